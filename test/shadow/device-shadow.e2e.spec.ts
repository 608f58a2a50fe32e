import { type MqttClient, connect } from 'mqtt';
import { connectDevice, iotdaLogin, nextMessage } from '../mqtt/device-clients';
import { useValvePlatform, valveProduct } from './answering-device';

// Device shadows (issue 5; spec 02 §4, spec 05 §3.4) in the embedded shape: desired values set with curl converge on
// an MQTT.js device — delivered when it comes online, when it reports, and when they change while it is online —
// until it reports them; the device reads its shadow on the shadow get topic.

const secret = 'e2eSecret0123456789';
const nidus = useValvePlatform();

interface Shadow {
  device_id: string;
  shadow: {
    service_id: string;
    desired: { properties: Record<string, unknown>; event_time?: string };
    reported: { properties: Record<string, unknown>; event_time?: string };
    version: number;
  }[];
}

const propertySets = (client: MqttClient, id: string) =>
  nextMessage(client, (t) => t.startsWith(`$oc/devices/${id}/sys/properties/set/request_id=`));

async function report(client: MqttClient, id: string, properties: Record<string, unknown>): Promise<void> {
  await client.publishAsync(
    `$oc/devices/${id}/sys/properties/report`,
    JSON.stringify({ services: [{ service_id: 'Valve', properties, event_time: '20261127T020000Z' }] }),
    { qos: 1 },
  );
}

function shadowWhen(id: string, check: (s: Shadow) => boolean): Promise<Shadow> {
  return nidus.v5.until<Shadow>(`/devices/${id}/shadow`, check);
}

describe('desired values converge on the device', () => {
  it('keeps what is set for an offline device, delivers it on connect and on reports until one matches', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'shadow-offline', secret);
    const put = await nidus.v5.request<Shadow>('PUT', `/devices/${id}/shadow`, {
      shadow: [{ service_id: 'Valve', desired: { opening: '40' }, version: 0 }],
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      device_id: id,
      shadow: [
        {
          service_id: 'Valve',
          desired: { properties: { opening: 40 }, event_time: expect.stringMatching(/^\d{8}T\d{6}Z$/) },
          reported: { properties: {} },
          version: 1,
        },
      ],
    });
    // Listening before the CONNECT goes out: the delivery may follow the CONNACK at once.
    const client = connect(nidus.url, {
      ...iotdaLogin(id, secret),
      protocolVersion: 4,
      keepalive: 60,
      reconnectPeriod: 0,
    });
    nidus.clients.push(client);
    const onConnect = propertySets(client, id);
    const first = await onConnect;
    expect(first.json).toEqual({ services: [{ service_id: 'Valve', properties: { opening: 40 } }] });
    // The device reports another value: the desired one comes again.
    const again = propertySets(client, id);
    await report(client, id, { opening: 10, pressure: 2.5 });
    expect((await again).json).toEqual(first.json);
    // It reports the desired value: nothing more is sent. (Within the minute a second delivery on reports would be held
    // back anyway; libs/domain/shadow's tests show that the matching report is what ends the deliveries.)
    const sets: string[] = [];
    client.on('message', (topic: string) => topic.includes('/properties/set/') && sets.push(topic));
    await report(client, id, { opening: 40 });
    const converged = await shadowWhen(id, (s) => s.shadow[0]?.reported.properties['opening'] === 40);
    expect(converged.shadow[0]).toMatchObject({
      desired: { properties: { opening: 40 } },
      reported: { properties: { opening: 40, pressure: 2.5 }, event_time: '20261127T020000Z' },
      version: 3,
    });
    await report(client, id, { opening: 40 });
    await shadowWhen(id, (s) => s.shadow[0]?.version === 4);
    expect(sets).toEqual([]);
  });

  it('delivers a change to an online device at once, only what it reports differently', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'shadow-online', secret);
    const client = await connectDevice(nidus.url, id, secret);
    nidus.clients.push(client);
    await report(client, id, { opening: 5 });
    await shadowWhen(id, (s) => s.shadow[0]?.reported.properties['opening'] === 5);
    const delivered = propertySets(client, id);
    const put = await nidus.v5.request<Shadow>('PUT', `/devices/${id}/shadow`, {
      shadow: [{ service_id: 'Valve', desired: { opening: 5 } }],
    });
    expect(put.status).toBe(200);
    // opening is already 5: the same value needs no delivery; a second key does.
    const second = await nidus.v5.request<Shadow>('PUT', `/devices/${id}/shadow`, {
      shadow: [{ service_id: 'Valve', desired: { opening: 70 } }],
    });
    expect(second.status).toBe(200);
    expect((await delivered).json).toEqual({
      services: [{ service_id: 'Valve', properties: { opening: 70 } }],
    });
  });
});

describe("a new device's shadow", () => {
  it("starts with the product's default values and the creation request's shadow, delivered on connect", async () => {
    const [valve] = valveProduct.service_capabilities;
    const withDefaults = await nidus.v5.addProduct({
      ...valveProduct,
      name: 'e2e-valve-defaults',
      service_capabilities: [
        {
          ...valve,
          properties: [
            { ...valve!.properties[0], default_value: 25 },
            { property_name: 'mode', data_type: 'string', method: 'RW', default_value: 'AUTO' },
            { ...valve!.properties[1], default_value: 1.0 }, // read-only: no desired value
          ],
        },
      ],
    });
    const id = await nidus.v5.addDevice(withDefaults, 'shadow-initial', secret, {
      shadow: [{ service_id: 'Valve', desired: { mode: 'MANUAL' } }],
    });
    const initial = await shadowWhen(id, (s) => s.shadow.length > 0);
    expect(initial.shadow).toEqual([
      {
        service_id: 'Valve',
        desired: { properties: { opening: 25, mode: 'MANUAL' }, event_time: expect.any(String) },
        reported: { properties: {} },
        version: 1,
      },
    ]);
    const client = connect(nidus.url, { ...iotdaLogin(id, secret), protocolVersion: 4, reconnectPeriod: 0 });
    nidus.clients.push(client);
    expect((await propertySets(client, id)).json).toEqual({
      services: [{ service_id: 'Valve', properties: { opening: 25, mode: 'MANUAL' } }],
    });
  });
});

describe('the device reads its shadow', () => {
  it('answers a shadow get on the response topic with the same request id', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'shadow-get', secret);
    await nidus.v5.request('PUT', `/devices/${id}/shadow`, {
      shadow: [{ service_id: 'Valve', desired: { opening: 12 } }],
    });
    const client = await connectDevice(nidus.url, id, secret);
    nidus.clients.push(client);
    const answer = nextMessage(client, (t) => t.startsWith(`$oc/devices/${id}/sys/shadow/get/response/`));
    await client.publishAsync(
      `$oc/devices/${id}/sys/shadow/get/request_id=42`,
      JSON.stringify({ service_id: 'Valve' }),
      {
        qos: 1,
      },
    );
    const { topic, json } = await answer;
    expect(topic).toBe(`$oc/devices/${id}/sys/shadow/get/response/request_id=42`);
    expect(json).toMatchObject({
      object_device_id: id,
      shadow: [{ service_id: 'Valve', desired: { properties: { opening: 12 } }, version: 1 }],
    });
  });
});

describe('API errors', () => {
  it('refuses bad keys, unknown or read-only properties, bad values and a stale version', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'shadow-errors', secret);
    const put = (desired: Record<string, unknown>, version?: number) =>
      nidus.v5.request<{ error_code: string; error_msg: string }>('PUT', `/devices/${id}/shadow`, {
        shadow: [{ service_id: 'Valve', desired, ...(version === undefined ? {} : { version }) }],
      });
    for (const [desired, text] of [
      [{ 'a.b': 1 }, "'.', '$' or NUL"],
      [{ speed: 1 }, 'not a property'],
      [{ pressure: 1 }, 'not writable'],
      [{ opening: 101 }, 'opening'],
    ] as const) {
      const { status, json } = await put(desired);
      expect({ status, code: json.error_code }).toEqual({ status: 400, code: 'IOTDA.000006' });
      expect(json.error_msg).toContain(text);
    }
    expect((await put({ opening: 1 }, 0)).status).toBe(200);
    const stale = await put({ opening: 2 }, 0);
    expect({ status: stale.status, code: stale.json.error_code }).toEqual({
      status: 409,
      code: 'IOTDA.909011',
    });
    expect((await nidus.v5.request('GET', '/devices/nobody_here/shadow')).status).toBe(404);
  });

  it('deletes shadow data', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'shadow-delete', secret);
    await nidus.v5.request('PUT', `/devices/${id}/shadow`, {
      shadow: [{ service_id: 'Valve', desired: { opening: 3 } }],
    });
    expect((await nidus.v5.request('DELETE', `/devices/${id}/shadow`)).status).toBe(204);
    expect((await nidus.v5.request<Shadow>('GET', `/devices/${id}/shadow`)).json).toEqual({
      device_id: id,
      shadow: [],
    });
  });
});
