import type { DeviceAccess, EventEnvelope, ProductAccess, TopicDefinition } from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import { parseUplinkTopic } from '@nidus/protocol-iotda-mqtt';
import type { DeviceDirectory } from './device-directory';
import { TokenBucket } from './token-bucket';
import { normaliseEventTime } from './uplink-event';
import { UplinkPipeline } from './uplink-pipeline';

const access = (device_id: string, gateway_id = device_id): DeviceAccess => ({
  device_id,
  project_id: 'p1',
  app_id: 'app1',
  product_id: 'prod1',
  node_id: device_id,
  gateway_id,
  direct: gateway_id === device_id,
  frozen: false,
  auth_type: 'SECRET',
  secure_access: true,
});
const product: ProductAccess = {
  project_id: 'p1',
  product_id: 'prod1',
  app_id: 'app1',
  protocol_type: 'MQTT',
  data_format: 'json',
  service_capabilities: [
    {
      service_id: 'Temperature',
      service_type: 'Temperature',
      properties: [{ property_name: 'value', data_type: 'int', min: '0', max: '100', method: 'RE' }],
      events: [
        { event_type: 'alarm', paras: [{ para_name: 'level', data_type: 'int', min: '0', max: '9' }] },
      ],
    },
  ],
};
const gateway = { access: access('gw'), product };
const devices = new Map([
  ['child', access('child', 'gw')],
  ['stranger', access('stranger')],
]);

function setup() {
  const published: { topic: string; events: readonly EventEnvelope[] }[] = [];
  const bus = {
    publish: async (topic: TopicDefinition, events: readonly EventEnvelope[]) => {
      published.push({ topic: topic.name, events });
    },
  } as unknown as EventBus;
  const directory = {
    device: async (id: string) => devices.get(id),
    product: async () => product,
  } as unknown as DeviceDirectory;
  const pipeline = new UplinkPipeline({
    bus,
    directory,
    clock: { now: () => 1_700_000_000_000 },
    source: 'test',
  });
  const send = (suffix: string, body: unknown) =>
    pipeline.handle(
      gateway,
      parseUplinkTopic(`$oc/devices/gw/sys/${suffix}`)!,
      Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
      1_700_000_000_000,
    );
  return { published, send };
}

describe('UplinkPipeline', () => {
  it('publishes a property report with model values, numeric text made numbers, failing services left out', async () => {
    const { published, send } = setup();
    const outcome = await send('properties/report', {
      services: [
        { service_id: 'Temperature', properties: { value: '42' }, event_time: '2024-01-01T00:00:00.000Z' },
        { service_id: 'Unknown', properties: { x: 1 } },
      ],
    });
    expect(outcome).toMatchObject({
      accepted: true,
      problems: ['gw service Unknown: not in the product model'],
    });
    expect(published).toHaveLength(1);
    const data = published[0]!.events[0]!.data as { notify_data: { body: { services: unknown[] } } };
    expect(data.notify_data.body.services).toEqual([
      { service_id: 'Temperature', properties: { value: 42 }, event_time: '20240101T000000Z' },
    ]);
  });

  it.each([
    ['not JSON', 'properties/report', '{oops', 'invalid-json'],
    ['invalid UTF-8', 'properties/report', Buffer.from([0x7b, 0xff, 0x7d]), 'invalid-json'],
    ['no services', 'properties/report', { services: [] }, 'invalid-payload'],
    [
      'out of range',
      'properties/report',
      { services: [{ service_id: 'Temperature', properties: { value: 101 } }] },
      'model-mismatch',
    ],
    [
      'a stranger in a batch',
      'gateway/sub_devices/properties/report',
      {
        devices: [
          { device_id: 'stranger', services: [{ service_id: 'Temperature', properties: { value: 1 } }] },
        ],
      },
      'model-mismatch',
    ],
    [
      'a shadow request for a stranger',
      'shadow/get/request_id=1',
      { object_device_id: 'stranger' },
      'not-a-sub-device',
    ],
  ])('refuses %s and publishes nothing', async (_name, suffix, body, reason) => {
    const { published, send } = setup();
    expect(await send(suffix, body)).toMatchObject({ accepted: false, reason });
    expect(published).toEqual([]);
  });

  it('reports a batch per sub-device and skips strangers', async () => {
    const { published, send } = setup();
    const service = { service_id: 'Temperature', properties: { value: 5 } };
    await send('gateway/sub_devices/properties/report', {
      devices: [
        { device_id: 'child', services: [service] },
        { device_id: 'stranger', services: [service] },
      ],
    });
    expect(published[0]!.events.map((e) => e.subject)).toEqual(['child']);
  });

  it('routes events by owner, answers time sync and rejects unknown pairs with an error event', async () => {
    const { published, send } = setup();
    const outcome = await send('events/up', {
      services: [
        { service_id: '$time_sync', event_type: 'time_sync_request', paras: { device_send_time: 5 } },
        { service_id: '$ota', event_type: 'version_report', paras: { fw_version: '1' } },
        { service_id: 'Temperature', event_type: 'alarm', paras: { level: 3 } },
        { service_id: 'Temperature', event_type: 'fire', paras: {} },
        { service_id: '$x', event_type: 'y' },
      ],
    });
    expect(published.map((p) => p.topic).sort()).toEqual([
      'iot.device.event-reported.v1',
      'iot.device.ota-reported.v1',
    ]);
    const replies = outcome.replies.map(
      (r) => JSON.parse(r.payload.toString()) as { services: { event_type: string }[] },
    );
    expect(replies.map((r) => r.services[0]!.event_type)).toEqual([
      'time_sync_response',
      'event_rejected',
      'event_rejected',
    ]);
  });

  it('passes messages through: JSON as JSON, the system wrapper unwrapped, binary as base64', async () => {
    const { published, send } = setup();
    await send('messages/up', { name: 'n', id: 'm1', content: { a: 1 } });
    await send('messages/up', Buffer.from([0xff, 0x00]));
    const bodies = published.map(
      (p) => (p.events[0]!.data as { notify_data: { body: unknown } }).notify_data.body,
    );
    expect(bodies).toEqual([
      { topic: '$oc/devices/gw/sys/messages/up', content: { a: 1 }, message_id: 'm1', name: 'n' },
      { topic: '$oc/devices/gw/sys/messages/up', content: '/wA=', content_encoding: 'base64' },
    ]);
  });
});

describe('normaliseEventTime', () => {
  it('keeps compact, converts ISO-ms, and falls back to now (Errata E16)', () => {
    expect(normaliseEventTime('20240101T000000Z', 0)).toBe('20240101T000000Z');
    expect(normaliseEventTime('2024-01-01T01:02:03.456Z', 0)).toBe('20240101T010203Z');
    expect(normaliseEventTime('yesterday', 0)).toBe('19700101T000000Z');
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then asks the taker to wait in proportion', () => {
    const bucket = new TokenBucket(1000, 0);
    expect(bucket.take(1000, 0)).toBe(0);
    expect(bucket.take(500, 0)).toBe(500);
    expect(bucket.take(0, 1000)).toBe(0);
  });
});
