import { readFileSync, readdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join, resolve } from 'node:path';
import type { MqttClient } from 'mqtt';
import { NidusProcess, freePort, run, tempDataDir } from '../support/nidus-process';
import { type DeviceView, V5Project, connectDevice, iotdaLogin, nextMessage } from './device-clients';

// MQTT device access (issue 4) in the embedded shape, driven by real clients: mosquitto_pub/sub (apt
// mosquitto-clients), paho-mqtt (Debian's python3-paho-mqtt) and MQTT.js, over TCP, TLS and WebSocket.

const secret = 'e2eSecret0123456789';
let platform: NidusProcess;
let dataDir: string;
let v5: V5Project;
let ports: { mqtt: number; mqtts: number; ws: number };
let ids: { product: string; a: string; b: string; frozen: string; child: string };

const addDevice = (nodeId: string, extra: Record<string, unknown> = {}) =>
  v5.addDevice(ids.product, nodeId, secret, extra);
const eventually = (deviceId: string, check: (d: DeviceView) => boolean) => v5.eventually(deviceId, check);

/** mosquitto_pub's outcome: its exit code and output. */
async function mosquittoPub(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const out = await run(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(ports.mqtt), '-d', ...args],
      15_000,
    );
    return { code: 0, output: out };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function loginArgs(deviceId: string, signType: 0 | 1 = 0, timestamp?: string): string[] {
  const l = iotdaLogin(deviceId, secret, signType, timestamp);
  return ['-i', l.clientId, '-u', l.username, '-P', l.password, '-k', '60'];
}

function journal(): string {
  const dir = join(dataDir, 'bus');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'latin1'))
    .join('');
}

beforeAll(async () => {
  dataDir = tempDataDir();
  ports = { mqtt: await freePort(), mqtts: await freePort(), ws: await freePort() };
  const httpPort = await freePort();
  platform = NidusProcess.start('platform', {
    NIDUS_DATA_DIR: dataDir,
    API_HTTP_PORT: String(httpPort),
    METRICS_PORT: '0',
    MQTT_PORT: String(ports.mqtt),
    MQTTS_PORT: String(ports.mqtts),
    MQTT_WS_PORT: String(ports.ws),
    MQTT_MAX_PACKET_BYTES: '65536',
    MQTT_CONNECTION_BYTES_PER_S: '0',
  });
  await platform.up();
  v5 = V5Project.fromDataDir(`http://127.0.0.1:${httpPort}`, dataDir);
  ids = { product: await v5.addProduct(), a: '', b: '', frozen: '', child: '' };
  ids.a = await addDevice('gw-a');
  ids.b = await addDevice('dev-b');
  ids.frozen = await addDevice('frozen-c');
  ids.child = await addDevice('child-s', { gateway_id: ids.a });
  expect((await v5.request('POST', `/devices/${ids.frozen}/freeze`)).status).toBe(204);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('CONNECT (spec 01 §2.6.5) with mosquitto_pub', () => {
  it('accepts a correct login and acknowledges a QoS 1 property report', async () => {
    const r = await mosquittoPub([
      ...loginArgs(ids.b),
      '-q',
      '1',
      '-t',
      `$oc/devices/${ids.b}/sys/properties/report`,
      '-m',
      JSON.stringify({ services: [{ service_id: 'Temperature', properties: { value: 21 } }] }),
    ]);
    expect(r.output).toContain('received CONNACK (0)');
    expect(r.output).toMatch(/received PUBACK/);
    expect(r.code).toBe(0);
    expect(journal()).toContain(`"device_id":"${ids.b}"`);
  });

  const hourAgo = (h: number) =>
    new Date(Date.now() - h * 3_600_000).toISOString().replace(/[-T:]/g, '').slice(0, 10);
  it.each([
    [
      'a malformed client id',
      () => ['-i', 'not-an-iotda-id', '-u', ids.b, '-P', 'x', '-k', '60'],
      'identifier rejected',
    ],
    ['a keepalive under 30 s', () => [...loginArgs(ids.b), '-k', '10'], 'identifier rejected'],
    [
      'a wrong password',
      () => ['-i', iotdaLogin(ids.b, secret).clientId, '-u', ids.b, '-P', '0'.repeat(64), '-k', '60'],
      'bad user name or password',
    ],
    ['an unknown device', () => loginArgs(`${ids.product}_nobody`), 'bad user name or password'],
    ['a sign-type-1 timestamp 5 h old', () => loginArgs(ids.b, 1, hourAgo(5)), 'bad user name or password'],
    ['a frozen device', () => loginArgs(ids.frozen), 'not authori'],
    ['a sub-device connecting by itself', () => loginArgs(ids.child), 'not authori'],
    [
      'MQTT 5 (aedes speaks 3.1.1)',
      () => [...loginArgs(ids.b), '-V', 'mqttv5'],
      'nsupported protocol version',
    ],
  ])('refuses %s', async (_name, args, refusal) => {
    const r = await mosquittoPub([
      ...args(),
      '-q',
      '1',
      '-t',
      `$oc/devices/${ids.b}/sys/messages/up`,
      '-m',
      'x',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.output.toLowerCase()).toContain(refusal.toLowerCase());
  });

  it('accepts a sign-type-1 login within the timestamp window', async () => {
    const r = await mosquittoPub([
      ...loginArgs(ids.b, 1),
      '-q',
      '1',
      '-t',
      `$oc/devices/${ids.b}/sys/messages/up`,
      '-m',
      'hello',
    ]);
    expect(r.code).toBe(0);
  });
});

describe('transports and flows with MQTT.js', () => {
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync()));
  });

  it.each([
    ['TCP', () => `mqtt://127.0.0.1:${ports.mqtt}`, {}],
    [
      'TLS 1.2+ with the development CA',
      () => `mqtts://127.0.0.1:${ports.mqtts}`,
      { ca: () => readFileSync(join(dataDir, 'tls', 'ca.pem')) },
    ],
    ['WebSocket', () => `ws://127.0.0.1:${ports.ws}/mqtt`, {}],
  ])('over %s: online, property report acknowledged, offline after it leaves', async (_name, url, tls) => {
    const ca = 'ca' in tls ? { ca: tls.ca(), servername: 'localhost' } : {};
    const client = await connectDevice(url(), ids.a, secret, ca);
    await eventually(ids.a, (d) => d.status === 'ONLINE');
    await client.publishAsync(
      `$oc/devices/${ids.a}/sys/properties/report`,
      JSON.stringify({
        services: [
          { service_id: 'Temperature', properties: { value: '57' }, event_time: '20240101T000000Z' },
        ],
      }),
      { qos: 1 },
    );
    await client.endAsync();
    await eventually(ids.a, (d) => d.status === 'OFFLINE');
  });

  it('answers time sync without any SUBSCRIBE (implicit QoS 0) and stores device info', async () => {
    const client = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.a, secret);
    clients.push(client);
    const reply = nextMessage(client, (t) => t.endsWith('/sys/events/down'));
    const sent = Date.now();
    await client.publishAsync(
      `$oc/devices/${ids.a}/sys/events/up`,
      JSON.stringify({
        services: [
          { service_id: '$time_sync', event_type: 'time_sync_request', paras: { device_send_time: sent } },
          {
            service_id: '$sdk_info',
            event_type: 'sdk_info_report',
            paras: { device_sdk_version: 'JS_v1', sw_version: 'sw-2', fw_version: 'fw-3' },
          },
        ],
      }),
      { qos: 1 },
    );
    const { json } = await reply;
    const service = (json['services'] as { event_type: string; paras: Record<string, number> }[])[0]!;
    expect(service.event_type).toBe('time_sync_response');
    expect(service.paras['device_send_time']).toBe(sent);
    expect(service.paras['server_send_time']).toBeGreaterThanOrEqual(service.paras['server_rcv_time']!);
    const d = await eventually(ids.a, (x) => x.fw_version === 'fw-3');
    expect([d.sw_version, d.device_sdk_version]).toEqual(['sw-2', 'JS_v1']);
  });

  it('stores log reports and lists them newest first through the API', async () => {
    const client = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.b, secret);
    clients.push(client);
    const log = (type: string, content: string) => ({
      service_id: '$log',
      event_type: 'log_report',
      event_time: '20261126T120000Z',
      paras: { timestamp: '1764158400', type, content },
    });
    await client.publishAsync(
      `$oc/devices/${ids.b}/sys/events/up`,
      JSON.stringify({
        services: [log('DEVICE_STATUS', 'booted'), log('DEVICE_MESSAGE', 'sent 3 readings')],
      }),
      { qos: 1 },
    );
    type Logs = { logs: { type: string; content: string; event_time: string }[]; page: { count: number } };
    let listed: Logs | undefined;
    for (let i = 0; i < 100 && (listed?.page.count ?? 0) < 2; i++) {
      listed = (await v5.request<Logs>('GET', `/devices/${ids.b}/logs`)).json;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed!.logs.map((l) => [l.type, l.content])).toEqual([
      ['DEVICE_MESSAGE', 'sent 3 readings'],
      ['DEVICE_STATUS', 'booted'],
    ]);
    expect(listed!.logs[0]!.event_time).toBe('20261126T120000Z');
    const statusOnly = await v5.request<Logs>('GET', `/devices/${ids.b}/logs?type=DEVICE_STATUS&limit=1`);
    expect(statusOnly.json.logs.map((l) => l.content)).toEqual(['booted']);
    const bad = await v5.request('GET', `/devices/${ids.b}/logs?type=VERBOSE`);
    expect(bad.status).toBe(400);
    const unknown = await v5.request('GET', `/devices/${ids.product}_nobody/logs`);
    expect(unknown.status).toBe(404);
  });

  it('keeps a device to its own topics and never echoes its uplink', async () => {
    const client = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.a, secret);
    clients.push(client);
    // MQTT.js reports a SUBACK holding 0x80 as an error carrying the packet.
    const suback = await client
      .subscribeAsync({
        [`$oc/devices/${ids.a}/sys/commands/#`]: { qos: 2 },
        [`$oc/devices/${ids.b}/sys/commands/#`]: { qos: 1 },
        '#': { qos: 0 },
      })
      .then(
        () => undefined,
        (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
      );
    expect(suback).toEqual([1, 128, 128]);
    const echoes: string[] = [];
    client.on('message', (topic) => echoes.push(topic));
    await client.publishAsync(
      `$oc/devices/${ids.a}/sys/commands/response/request_id=r1`,
      '{"result_code":0}',
      { qos: 1 },
    );
    await client.publishAsync(`$oc/devices/${ids.b}/sys/messages/up`, 'not mine', { qos: 1 }); // acked, dropped
    // A time sync answer comes after anything the gateway would have sent back for the publishes above.
    const reply = nextMessage(client, (t) => t.endsWith('/sys/events/down'));
    await client.publishAsync(
      `$oc/devices/${ids.a}/sys/events/up`,
      JSON.stringify({
        services: [
          { service_id: '$time_sync', event_type: 'time_sync_request', paras: { device_send_time: 1 } },
        ],
      }),
      { qos: 1 },
    );
    await reply;
    expect(echoes).toEqual([`$oc/devices/${ids.a}/sys/events/down`]);
    expect(journal()).not.toContain('not mine');
  });

  it('closes the older session when the device logs in again', async () => {
    const first = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.b, secret);
    const closed = new Promise<void>((r) => first.once('close', () => r()));
    const second = await connectDevice(`ws://127.0.0.1:${ports.ws}/mqtt`, ids.b, secret);
    clients.push(second);
    await closed;
    expect(second.connected).toBe(true);
    first.end(true);
  });

  it('takes a gateway batch report for its own sub-device only', async () => {
    const client = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.a, secret);
    clients.push(client);
    await client.publishAsync(
      `$oc/devices/${ids.a}/sys/gateway/sub_devices/properties/report`,
      JSON.stringify({
        devices: [
          { device_id: ids.child, services: [{ service_id: 'Temperature', properties: { value: 33 } }] },
          { device_id: ids.b, services: [{ service_id: 'Temperature', properties: { value: 44 } }] },
        ],
      }),
      { qos: 1 },
    );
    const text = journal();
    expect(text).toContain(`"device_id":"${ids.child}","node_id":"child-s"`);
    expect(text).not.toContain('"value":44');
  });
});

describe('bad input', () => {
  it('closes a connection that sends an oversize packet or garbage, and no other device notices', async () => {
    const bystander = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.a, secret);
    const big = await connectDevice(`mqtt://127.0.0.1:${ports.mqtt}`, ids.b, secret);
    const bigClosed = new Promise<void>((r) => big.once('close', () => r()));
    big.publish(`$oc/devices/${ids.b}/sys/messages/up`, Buffer.alloc(100_000, 0x61), { qos: 1 });
    await bigClosed;
    big.end(true);

    const garbage = tcpConnect(ports.mqtt, '127.0.0.1');
    const garbageClosed = new Promise<void>((r) => garbage.once('close', () => r()));
    garbage.on('error', () => undefined);
    garbage.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    await garbageClosed;

    await bystander.publishAsync(`$oc/devices/${ids.a}/sys/messages/up`, 'still here', { qos: 1 });
    expect(bystander.connected).toBe(true);
    await bystander.endAsync();
    expect(platform.child.exitCode).toBeNull();
  });
});

describe('paho-mqtt', () => {
  it('gets time sync and an error event for an unknown system event, without subscribing', async () => {
    const script = resolve(__dirname, '..', 'clients', 'paho_device.py');
    const out = await run(
      '/usr/bin/python3',
      [script, '127.0.0.1', String(ports.mqtt), ids.b, secret],
      30_000,
    );
    const events = out
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            payload: {
              services: { service_id: string; event_type: string; paras: Record<string, unknown> }[];
            };
          },
      );
    expect(events.map((e) => e.payload.services[0]!.event_type)).toEqual([
      'time_sync_response',
      'event_rejected',
    ]);
    expect(events[1]!.payload.services[0]!.paras).toMatchObject({
      service_id: '$no_such_service',
      event_type: 'whatever',
      error_code: 'IOTDA.000006',
    });
  });
});

describe('mosquitto_sub', () => {
  it('logs in over TLS with the development CA and subscribes to its commands', async () => {
    const l = iotdaLogin(ids.b, secret);
    const out = await run(
      'mosquitto_sub',
      [
        '-h',
        'localhost',
        '-p',
        String(ports.mqtts),
        '--cafile',
        join(dataDir, 'tls', 'ca.pem'),
        '-i',
        l.clientId,
        '-u',
        l.username,
        '-P',
        l.password,
        '-k',
        '60',
        '-t',
        `$oc/devices/${ids.b}/sys/commands/#`,
        '-W',
        '1',
        '-d',
      ],
      15_000,
    ).catch((error: { stdout?: string }) => error.stdout ?? '');
    expect(out).toContain('received CONNACK (0)');
    expect(out).toContain('received SUBACK');
  });
});
