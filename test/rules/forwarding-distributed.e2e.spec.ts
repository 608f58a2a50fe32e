import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { V5Project, connectDevice, meterProduct, reportTemperature } from '../mqtt/device-clients';
import { NidusProcess, distributedEnv, freePort, tempDataDir } from '../support/nidus-process';
import { AmqpApp, valueOf } from './amqp-clients';

// Data forwarding (issue 6) in the distributed shape: api, device-registry, mqtt-gateway, rule-engine and amqp-push,
// each its own process, over Apache Kafka, FerretDB and Redis as tools/infra/infra.sh starts them. An MQTT.js device
// reports; rules forward what they select to an HTTP server in this test and to an AMQP queue a rhea application
// consumes; amqp-push is stopped and started again meanwhile, and nothing is lost. A second amqp-push instance shares
// the queues: receivers on both compete for one queue, and each message reaches one of them once.

const secret = 'fwdSecret0123456789';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const processes = new Map<string, NidusProcess>();
const envs = new Map<string, Record<string, string>>();
const apps: AmqpApp[] = [];
const clients: MqttClient[] = [];
let v5: V5Project;
let product: string;
let mqtt: string;
let amqpPort: number;
let amqpPort2: number;
let server: Server;
let receiver: string;
const pushed: Record<string, unknown>[] = [];

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });

function start(app: 'device-registry' | 'api' | 'mqtt-gateway' | 'rule-engine' | 'amqp-push'): NidusProcess {
  const p = NidusProcess.start(app, envs.get(app)!);
  processes.set(app, p);
  return p;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((text) => {
      pushed.push(JSON.parse(text) as Record<string, unknown>);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  const admin = { project: hex(16), token: hex(24) };
  const shared = { ...distributedEnv(), METRICS_PORT: '0' };
  const ports = {
    api: await freePort(),
    registry: await freePort(),
    rules: await freePort(),
    amqpHttp: await freePort(),
    mqtt: await freePort(),
    amqp: await freePort(),
    amqp2: await freePort(),
  };
  amqpPort = ports.amqp;
  amqpPort2 = ports.amqp2;
  mqtt = `mqtt://127.0.0.1:${ports.mqtt}`;
  const urls = {
    DEVICE_REGISTRY_URL: `http://127.0.0.1:${ports.registry}`,
    RULE_ENGINE_URL: `http://127.0.0.1:${ports.rules}`,
    AMQP_PUSH_URL: `http://127.0.0.1:${ports.amqpHttp}`,
  };
  const env = (name: string, extra: Record<string, string>) => ({
    ...shared,
    ...urls,
    NIDUS_DATA_DIR: tempDataDir(),
    KAFKA_CLIENT_ID: `e2e-fwd-${name}`,
    ...extra,
  });
  envs.set('device-registry', env('registry', { DEVICE_REGISTRY_HTTP_PORT: String(ports.registry) }));
  envs.set(
    'api',
    env('api', {
      NIDUS_DEFAULT_PROJECT_ID: admin.project,
      NIDUS_ADMIN_TOKEN: admin.token,
      API_HTTP_PORT: String(ports.api),
    }),
  );
  envs.set(
    'mqtt-gateway',
    env('gateway', { MQTT_GATEWAY_HTTP_PORT: String(await freePort()), MQTT_PORT: String(ports.mqtt) }),
  );
  envs.set('rule-engine', env('rules', { RULE_ENGINE_HTTP_PORT: String(ports.rules) }));
  envs.set(
    'amqp-push',
    env('amqp', { AMQP_PUSH_HTTP_PORT: String(ports.amqpHttp), AMQP_PORT: String(ports.amqp) }),
  );
  const started = (['device-registry', 'rule-engine', 'amqp-push', 'mqtt-gateway', 'api'] as const).map(
    start,
  );
  const second = env('amqp2', {
    AMQP_PUSH_HTTP_PORT: String(await freePort()),
    AMQP_PORT: String(ports.amqp2),
  });
  processes.set('amqp-push-2', NidusProcess.start('amqp-push', second));
  await Promise.all([...started, processes.get('amqp-push-2')!].map((p) => p.up()));
  v5 = new V5Project(`http://127.0.0.1:${ports.api}`, admin.project, admin.token);
  product = await v5.addProduct(meterProduct);
}, 120_000);

afterAll(async () => {
  server.close(); // first: a failed start must not leave it open (Jest would wait for it for ever)
  clients.forEach((c) => c.end(true));
  apps.forEach((a) => a.close());
  const codes = await Promise.all([...processes.values()].map((p) => p.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

async function activeRule(action: Record<string, unknown>): Promise<void> {
  const rule = await v5.request<{ rule_id: string }>('POST', '/routing-rule/rules', {
    subject: { resource: 'device.property', event: 'report' },
    select: "notify_data.header.device_id AS device_id, GET_SERVICE_PROPERTIES('Temperature').value AS value",
  });
  expect(rule.status).toBe(201);
  const added = await v5.request('POST', '/routing-rule/actions', { rule_id: rule.json.rule_id, ...action });
  expect(added.status).toBe(201);
  expect((await v5.request('PUT', `/routing-rule/rules/${rule.json.rule_id}`, { active: true })).status).toBe(
    200,
  );
}

describe('forwarding across processes', () => {
  it('forwards to HTTP and to an AMQP queue, and keeps the queue while amqp-push restarts', async () => {
    const code = await v5.request<{ access_key: string; access_code: string }>(
      'POST',
      '/auth/accesscode',
      {},
    );
    expect(code.status).toBe(201);
    expect((await v5.request('POST', '/amqp-queues', { queue_name: 'dist-queue' })).status).toBe(201);
    await activeRule({ channel: 'HTTP_FORWARDING', channel_detail: { http_forwarding: { url: receiver } } });
    await activeRule({
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'dist-queue' } },
    });
    const consumer = AmqpApp.open({
      port: amqpPort,
      accessKey: code.json.access_key,
      accessCode: code.json.access_code,
      queue: 'dist-queue',
    });
    apps.push(consumer);
    await consumer.attached();
    const id = await v5.addDevice(product, 'fwd-dist', secret);
    clients.push(await connectDevice(mqtt, id, secret));
    for (const value of [1, 2, 3]) await reportTemperature(clients[0]!, id, value);
    expect((await consumer.take(3, 30_000)).map(valueOf)).toEqual([1, 2, 3]);
    for (let i = 0; i < 600 && pushed.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(pushed).toEqual([1, 2, 3].map((value) => ({ device_id: id, value })));

    consumer.close();
    expect(await processes.get('amqp-push')!.stop()).toBe(0);
    for (const value of [4, 5, 6]) await reportTemperature(clients[0]!, id, value); // the bus holds them meanwhile
    await start('amqp-push').up();
    const again = AmqpApp.open({
      port: amqpPort,
      accessKey: code.json.access_key,
      accessCode: code.json.access_code,
      queue: 'dist-queue',
    });
    apps.push(again);
    expect((await again.take(3, 30_000)).map(valueOf)).toEqual([4, 5, 6]);
  });

  it('shares a queue between receivers on two amqp-push instances: each message once, none lost', async () => {
    const code = await v5.request<{ access_key: string; access_code: string }>(
      'POST',
      '/auth/accesscode',
      {},
    );
    expect((await v5.request('POST', '/amqp-queues', { queue_name: 'shared-queue' })).status).toBe(201);
    await activeRule({
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'shared-queue' } },
    });
    const login = {
      accessKey: code.json.access_key,
      accessCode: code.json.access_code,
      queue: 'shared-queue',
    };
    const [one, two] = [
      AmqpApp.open({ ...login, port: amqpPort }),
      AmqpApp.open({ ...login, port: amqpPort2 }),
    ];
    apps.push(one, two);
    await Promise.all([one.attached(), two.attached()]);
    const id = await v5.addDevice(product, 'fwd-shared', secret);
    const device = await connectDevice(mqtt, id, secret);
    clients.push(device);
    const values = Array.from({ length: 40 }, (_, i) => 100 + i);
    for (const value of values) await reportTemperature(device, id, value);
    const received = () => [...one.received, ...two.received].map(valueOf);
    for (let i = 0; i < 600 && received().length < values.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_000)); // bounded: a second copy would have arrived by now
    expect(received().sort((a, b) => a - b)).toEqual(values);
  });
});
