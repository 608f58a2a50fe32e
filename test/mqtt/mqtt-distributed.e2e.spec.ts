import { randomBytes } from 'node:crypto';
import { type MqttClient, connect } from 'mqtt';
import { NidusProcess, distributedEnv, freePort, tempDataDir } from '../support/nidus-process';
import { answerRequests, valveProduct, whenOnline } from '../shadow/answering-device';
import { V5Project, connectDevice, iotdaLogin, nextMessage, silentDevice } from './device-clients';

// MQTT device access (issue 4) and downlink (issue 5) in the distributed shape: api, device-registry, two shadow and
// two mqtt-gateway instances, each its own process, over Apache Kafka, FerretDB and Redis as tools/infra/infra.sh
// starts them. The two gateways share one session store: a device is connected once, whichever instance it reaches.
// The api calls one shadow instance; a device's answer reaches the shadow instance that consumes its partition.

const secret = 'e2eSecret0123456789';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const processes: NidusProcess[] = [];
const gateways: { mqtt: number }[] = [];
let v5: V5Project;
let product: string;
let valve: string;
let gatewayEnv: (name: string, mqtt: number) => Promise<Record<string, string>>;

beforeAll(async () => {
  const admin = { project: hex(16), token: hex(24) };
  // Heartbeats every 2 s: the registry takes a gateway instance silent for 6 s as gone.
  const shared = { ...distributedEnv(), METRICS_PORT: '0', NIDUS_GATEWAY_HEARTBEAT_MS: '2000' };
  const [apiPort, registryPort, shadowPort] = [await freePort(), await freePort(), await freePort()];
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const shadowEnv = async (name: string, port: number) => ({
    ...shared,
    NIDUS_DATA_DIR: tempDataDir(),
    SHADOW_HTTP_PORT: String(port),
    SHADOW_SYNC_TIMEOUT_MS: '5000',
    DEVICE_REGISTRY_URL: registryUrl,
    KAFKA_CLIENT_ID: `e2e-shadow-${name}`,
  });
  processes.push(
    NidusProcess.start('shadow', await shadowEnv('a', shadowPort)),
    NidusProcess.start('shadow', await shadowEnv('b', await freePort())),
    NidusProcess.start('device-registry', {
      ...shared,
      NIDUS_DATA_DIR: tempDataDir(),
      DEVICE_REGISTRY_HTTP_PORT: String(registryPort),
      KAFKA_CLIENT_ID: 'e2e-mqtt-registry',
    }),
    NidusProcess.start('api', {
      ...shared,
      NIDUS_DEFAULT_PROJECT_ID: admin.project,
      NIDUS_ADMIN_TOKEN: admin.token,
      NIDUS_DATA_DIR: tempDataDir(),
      API_HTTP_PORT: String(apiPort),
      DEVICE_REGISTRY_URL: registryUrl,
      SHADOW_URL: `http://127.0.0.1:${shadowPort}`,
      KAFKA_CLIENT_ID: 'e2e-mqtt-api',
    }),
  );
  gatewayEnv = async (name, mqtt) => ({
    ...shared,
    NIDUS_DATA_DIR: tempDataDir(),
    NIDUS_INSTANCE_ID: `e2e-gateway-${name}`,
    MQTT_GATEWAY_HTTP_PORT: String(await freePort()),
    MQTT_PORT: String(mqtt),
    MQTT_KEEPALIVE_MIN_S: '1', // lets the keepalive test wait seconds, not minutes
    DEVICE_REGISTRY_URL: registryUrl,
    KAFKA_CLIENT_ID: `e2e-mqtt-gateway-${name}`,
  });
  for (const name of ['a', 'b']) {
    const mqtt = await freePort();
    gateways.push({ mqtt });
    processes.push(NidusProcess.start('mqtt-gateway', await gatewayEnv(name, mqtt)));
  }
  await Promise.all(processes.map((p) => p.up()));
  v5 = new V5Project(`http://127.0.0.1:${apiPort}`, admin.project, admin.token);
  product = await v5.addProduct();
  valve = await v5.addProduct(valveProduct);
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all(processes.map((p) => p.stop()));
  expect(codes).toEqual(processes.map(() => 0));
});

const url = (gateway: number) => `mqtt://127.0.0.1:${gateways[gateway]!.mqtt}`;

describe('two mqtt-gateway instances behind one Kafka and Redis', () => {
  const clients: MqttClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.end(true)));

  it('reports through Kafka to the registry: online, device info, offline', async () => {
    const id = await v5.addDevice(product, 'dist-info', secret);
    const client = await connectDevice(url(0), id, secret);
    await v5.eventually(id, (d) => d.status === 'ONLINE');
    await client.publishAsync(
      `$oc/devices/${id}/sys/events/up`,
      JSON.stringify({
        services: [
          { service_id: '$sdk_info', event_type: 'sdk_info_report', paras: { fw_version: 'fw-dist' } },
        ],
      }),
      { qos: 1 },
    );
    await v5.eventually(id, (d) => d.fw_version === 'fw-dist');
    await client.endAsync();
    await v5.eventually(id, (d) => d.status === 'OFFLINE');
  });

  it('closes the session on one instance when the device logs in on the other, and stays online', async () => {
    const id = await v5.addDevice(product, 'dist-takeover', secret);
    const first = await connectDevice(url(0), id, secret);
    clients.push(first);
    await v5.eventually(id, (d) => d.status === 'ONLINE');
    const firstClosed = new Promise<void>((r) => first.once('close', () => r()));
    const second = await connectDevice(url(1), id, secret);
    clients.push(second);
    await firstClosed;
    // The replaced connection must not report OFFLINE after the new one reported ONLINE: the PUBACK of a report
    // on the new connection comes after both status events reached Kafka, and the registry keeps the latest.
    await second.publishAsync(`$oc/devices/${id}/sys/messages/up`, 'after takeover', { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await v5.device(id)).status).toBe('ONLINE');
    expect(second.connected).toBe(true);
    await second.endAsync();
    await v5.eventually(id, (d) => d.status === 'OFFLINE');
  });

  it('disconnects a device frozen through the API, whichever instance holds it', async () => {
    const id = await v5.addDevice(product, 'dist-frozen', secret);
    const client = await connectDevice(url(1), id, secret);
    clients.push(client);
    const online = await v5.eventually(id, (d) => d.status === 'ONLINE');
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    expect((await v5.request('POST', `/devices/${id}/freeze`)).status).toBe(204);
    await closed;
    // A frozen device shows FROZEN; its OFFLINE still moves the connection status time.
    const offline = await v5.eventually(
      id,
      (d) => d.connection_status_update_time !== online.connection_status_update_time,
    );
    expect(offline.status).toBe('FROZEN');
    await expect(connectDevice(url(0), id, secret)).rejects.toThrow(/Not authorized/i);
  });

  it('marks a silent device offline once 1.5 × its keepalive has passed', async () => {
    const id = await v5.addDevice(product, 'dist-silent', secret);
    const keepalive = 2;
    const socket = await silentDevice(gateways[0]!.mqtt, id, secret, keepalive);
    const since = Date.now();
    await v5.eventually(id, (d) => d.status === 'ONLINE');
    await new Promise<void>((r) => socket.once('close', () => r()));
    const closedAfterMs = Date.now() - since;
    expect(closedAfterMs).toBeGreaterThanOrEqual(keepalive * 1000);
    expect(closedAfterMs).toBeLessThan(keepalive * 1500 + 1000); // 1.5 × keepalive, plus timer slack
    await v5.eventually(id, (d) => d.status === 'OFFLINE');
  });

  it('marks a device offline when its connection drops without DISCONNECT', async () => {
    const id = await v5.addDevice(product, 'dist-abrupt', secret);
    const socket = await silentDevice(gateways[1]!.mqtt, id, secret, 60);
    await v5.eventually(id, (d) => d.status === 'ONLINE');
    socket.destroy();
    await v5.eventually(id, (d) => d.status === 'OFFLINE');
  });

  it('reports the devices of an instance killed with SIGKILL offline, 3 heartbeats behind the others', async () => {
    const mqtt = await freePort();
    const doomed = NidusProcess.start('mqtt-gateway', await gatewayEnv('doomed', mqtt));
    await doomed.up();
    const id = await v5.addDevice(product, 'dist-killed', secret);
    clients.push(await connectDevice(`mqtt://127.0.0.1:${mqtt}`, id, secret));
    await v5.eventually(id, (d) => d.status === 'ONLINE');
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL'); // no OFFLINE from it: the registry must notice it is gone
    await doomed.exited;
    const offline = await v5.eventually(id, (d) => d.status === 'OFFLINE');
    expect(Date.parse(offline.connection_status_update_time!)).toBeGreaterThanOrEqual(killedAt);
  });
});

describe('synchronous calls through Kafka, two shadow and two gateway instances', () => {
  const clients: MqttClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.end(true)));

  it('reaches devices on either gateway and returns each answer to the shadow instance the api called', async () => {
    const devices = await Promise.all(
      [0, 1, 1, 0, 1, 1].map(async (gateway, i) => {
        const id = await v5.addDevice(valve, `dist-valve-${i}`, secret);
        const client = await connectDevice(url(gateway), id, secret);
        clients.push(client);
        return { id, seen: answerRequests(client, id) };
      }),
    );
    for (const { id, seen } of devices) {
      const { status, json, body } = await whenOnline(() =>
        v5.request<{ command_id: string; response: unknown }>('POST', `/devices/${id}/commands`, {
          service_id: 'Valve',
          command_name: 'SET_MODE',
          paras: { mode: 'MANUAL' },
        }),
      );
      expect({ status, body }).toMatchObject({ status: 200 });
      expect(json.response).toEqual({
        result_code: 0,
        response_name: 'SET_MODE_RSP',
        paras: { applied: { mode: 'MANUAL' } },
      });
      expect(seen.map((s) => s.topic)).toEqual([
        `$oc/devices/${id}/sys/commands/request_id=${json.command_id}`,
      ]);
    }
  });

  it('never completes a request with the answer of another device', async () => {
    const [a, b] = await Promise.all(
      ['dist-valve-a', 'dist-valve-b'].map((n) => v5.addDevice(valve, n, secret)),
    );
    const deviceA = await connectDevice(url(1), a!, secret);
    const deviceB = await connectDevice(url(0), b!, secret);
    clients.push(deviceA, deviceB);
    // A stays silent; B, knowing A's request id, answers it on its own topic.
    deviceA.on('message', (topic: string) => {
      const requestId = topic.split('request_id=')[1]!;
      void deviceB.publishAsync(
        `$oc/devices/${b}/sys/commands/response/request_id=${requestId}`,
        JSON.stringify({ result_code: 0, paras: { forged: true } }),
        { qos: 1 },
      );
    });
    const { status, json } = await whenOnline(() =>
      v5.request<{ error_code: string }>('POST', `/devices/${a}/commands`, { paras: { x: 1 } }),
    );
    expect({ status, code: json.error_code }).toEqual({ status: 408, code: 'IOTDA.908001' });
  });
});

describe('device shadow through Kafka', () => {
  it('delivers desired values to a device that connects to the other gateway, and keeps what it reports', async () => {
    const id = await v5.addDevice(valve, 'dist-shadow', secret);
    const put = await v5.request('PUT', `/devices/${id}/shadow`, {
      shadow: [{ service_id: 'Valve', desired: { opening: 55 } }],
    });
    expect(put.status).toBe(200);
    const client = connect(url(1), { ...iotdaLogin(id, secret), protocolVersion: 4, reconnectPeriod: 0 });
    try {
      const set = nextMessage(client, (t) => t.startsWith(`$oc/devices/${id}/sys/properties/set/`));
      expect((await set).json).toEqual({ services: [{ service_id: 'Valve', properties: { opening: 55 } }] });
      await client.publishAsync(
        `$oc/devices/${id}/sys/properties/report`,
        JSON.stringify({ services: [{ service_id: 'Valve', properties: { opening: 55 } }] }),
        { qos: 1 },
      );
      for (let i = 0; ; i++) {
        const { json } = await v5.request<{
          shadow: { reported: { properties: Record<string, unknown> } }[];
        }>('GET', `/devices/${id}/shadow`);
        if (json.shadow[0]?.reported.properties['opening'] === 55) break;
        if (i >= 100) throw new Error(`shadow never converged: ${JSON.stringify(json)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.end(true);
    }
  });
});

describe('messages through Kafka', () => {
  it('sends a message cached while the device was offline when it connects to a gateway, and shows it DELIVERED', async () => {
    const id = await v5.addDevice(valve, 'dist-message', secret);
    const created = await v5.request<{ result: { status: string } }>('POST', `/devices/${id}/messages`, {
      message_id: 'dist-m1',
      message: 'stored while offline',
    });
    expect({ status: created.status, result: created.json.result.status }).toEqual({
      status: 201,
      result: 'PENDING',
    });
    const client = connect(url(0), { ...iotdaLogin(id, secret), protocolVersion: 4, reconnectPeriod: 0 });
    try {
      const down = nextMessage(client, (t) => t === `$oc/devices/${id}/sys/messages/down`);
      expect((await down).json).toEqual({ id: 'dist-m1', content: 'stored while offline' });
      await v5.until<{ status: string }>(`/devices/${id}/messages/dist-m1`, (m) => m.status === 'DELIVERED');
    } finally {
      client.end(true);
    }
  });
});

describe('asynchronous commands through Kafka', () => {
  it('sends the commands queued for an offline device in order when it connects to either gateway', async () => {
    const id = await v5.addDevice(valve, 'dist-acmd', secret);
    const commandIds: string[] = [];
    for (const mode of ['MANUAL', 'AUTO']) {
      const { status, json } = await v5.request<{ command_id: string; status: string }>(
        'POST',
        `/devices/${id}/async-commands`,
        { service_id: 'Valve', command_name: 'SET_MODE', paras: { mode }, send_strategy: 'delay' },
      );
      expect({ status, command: json.status }).toEqual({ status: 200, command: 'PENDING' });
      commandIds.push(json.command_id);
    }
    const client = connect(url(1), { ...iotdaLogin(id, secret), protocolVersion: 4, reconnectPeriod: 0 });
    try {
      const seen = answerRequests(client, id);
      for (const commandId of commandIds)
        for (let i = 0; ; i++) {
          const { json } = await v5.request<{ status: string }>(
            'GET',
            `/devices/${id}/async-commands/${commandId}`,
          );
          if (json.status === 'SUCCESSFUL') break;
          if (i >= 150) throw new Error(`command never SUCCESSFUL: ${JSON.stringify(json)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      expect(seen.map((s) => (s.body['paras'] as { mode: string }).mode)).toEqual(['MANUAL', 'AUTO']);
    } finally {
      client.end(true);
    }
  });
});
