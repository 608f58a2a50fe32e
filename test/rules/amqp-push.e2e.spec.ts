import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { V5Project, connectDevice, meterProduct, reportTemperature } from '../mqtt/device-clients';
import { NidusProcess, embeddedEnv, freePort } from '../support/nidus-process';
import { type EventContext, create_container } from 'rhea';
import { AmqpApp, amqpUsername, protonReceive, valueOf } from './amqp-clients';

// AMQP push (issue 6; spec 03 §6.6–§6.7, spec 05 §3.11) in the embedded shape: queues and the access code through
// the v5 API, an MQTT.js device reporting, a routing rule with an AMQP action, and applications on rhea (the IoTDA
// Node sample's library) and Python qpid-proton receiving what the rule selects.

let platform: NidusProcess;
let env: Record<string, string>;
let v5: V5Project;
let mqtt: string;
let amqpPort: number;
let amqpsPort: number;
let product: string;
let code: { access_key: string; access_code: string };
const clients: MqttClient[] = [];
const apps: AmqpApp[] = [];

beforeAll(async () => {
  [amqpPort, amqpsPort] = [await freePort(), await freePort()];
  const made = await embeddedEnv({ AMQP_PORT: String(amqpPort), AMQPS_PORT: String(amqpsPort) });
  env = made.env;
  mqtt = made.mqtt;
  platform = NidusProcess.start('platform', env);
  await platform.up();
  v5 = V5Project.fromDataDir(made.api, made.dataDir);
  product = await v5.addProduct(meterProduct);
  const created = await v5.request<typeof code>('POST', '/auth/accesscode', { type: 'AMQP' });
  expect(created.status).toBe(201);
  code = created.json;
}, 120_000);

afterAll(async () => {
  clients.forEach((c) => c.end(true));
  apps.forEach((a) => a.close());
  expect(await platform?.stop()).toBe(0);
});

const app = (queue: string, extra: Partial<Parameters<typeof AmqpApp.open>[0]> = {}) => {
  const opened = AmqpApp.open({
    port: amqpPort,
    accessKey: code.access_key,
    accessCode: code.access_code,
    queue,
    ...extra,
  });
  apps.push(opened);
  return opened;
};

async function queue(name: string): Promise<string> {
  const created = await v5.request<{ queue_id: string }>('POST', '/amqp-queues', { queue_name: name });
  expect(created.status).toBe(201);
  return created.json.queue_id;
}

/** An active rule on property reports forwarding to `queue_name`; its id. */
async function ruleTo(queueName: string, sql: { select?: string; where?: string } = {}): Promise<string> {
  const rule = await v5.request<{ rule_id: string }>('POST', '/routing-rule/rules', {
    subject: { resource: 'device.property', event: 'report' },
    ...sql,
  });
  expect(rule.status).toBe(201);
  const action = await v5.request('POST', '/routing-rule/actions', {
    rule_id: rule.json.rule_id,
    channel: 'AMQP_FORWARDING',
    channel_detail: { amqp_forwarding: { queue_name: queueName } },
  });
  expect(action.status).toBe(201);
  expect((await v5.request('PUT', `/routing-rule/rules/${rule.json.rule_id}`, { active: true })).status).toBe(
    200,
  );
  return rule.json.rule_id;
}

async function device(name: string): Promise<{ id: string; client: MqttClient }> {
  const id = await v5.addDevice(product, name, 'amqpSecret0123456789');
  const client = await connectDevice(mqtt, id, 'amqpSecret0123456789');
  clients.push(client);
  return { id, client };
}

describe('AMQP queues and access codes (v5 API)', () => {
  it('lists DefaultQueue, creates, shows and refuses what the spec refuses', async () => {
    const listed = await v5.request<{ queues: { queue_name: string }[]; page: { count: number } }>(
      'GET',
      '/amqp-queues',
    );
    expect(listed.status).toBe(200);
    expect(listed.json.queues.map((q) => q.queue_name)).toContain('DefaultQueue');
    const id = await queue('app.queue.01');
    const shown = await v5.request('GET', `/amqp-queues/${id}`);
    expect(shown.json).toEqual({
      queue_id: id,
      queue_name: 'app.queue.01',
      create_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
      last_modify_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
    });
    const byName = await v5.request<{ queues: unknown[] }>('GET', '/amqp-queues?queue_name=app.queue.01');
    expect(byName.json.queues).toHaveLength(1);
    const again = await v5.request('POST', '/amqp-queues', { queue_name: 'app.queue.01' });
    expect([again.status, again.json]).toEqual([
      409,
      expect.objectContaining({ error_code: 'IOTDA.909013' }),
    ]);
    const bad = await v5.request('POST', '/amqp-queues', { queue_name: 'has space' });
    expect([bad.status, bad.json]).toEqual([400, expect.objectContaining({ error_code: 'IOTDA.000006' })]);
    const missing = await v5.request('GET', '/amqp-queues/no-such-queue');
    expect([missing.status, missing.json]).toEqual([
      404,
      expect.objectContaining({ error_code: 'IOTDA.904008' }),
    ]);
    const mqttCode = await v5.request('POST', '/auth/accesscode', { type: 'MQTT' });
    expect(mqttCode.status).toBe(400);
  });

  it('refuses an action to a queue that does not exist, and deleting a queue an action uses', async () => {
    const rule = await v5.request<{ rule_id: string }>('POST', '/routing-rule/rules', {
      subject: { resource: 'device.status', event: 'update' },
    });
    const toNowhere = await v5.request('POST', '/routing-rule/actions', {
      rule_id: rule.json.rule_id,
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'nowhere' } },
    });
    expect([toNowhere.status, toNowhere.json]).toEqual([
      404,
      expect.objectContaining({ error_code: 'IOTDA.904008' }),
    ]);
    const id = await queue('used-queue');
    const action = await v5.request<{ action_id: string }>('POST', '/routing-rule/actions', {
      rule_id: rule.json.rule_id,
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'used-queue' } },
    });
    expect(action.status).toBe(201);
    const inUse = await v5.request('DELETE', `/amqp-queues/${id}`);
    expect([inUse.status, inUse.json]).toEqual([
      409,
      expect.objectContaining({ error_code: 'IOTDA.909014' }),
    ]);
    expect((await v5.request('DELETE', `/routing-rule/actions/${action.json.action_id}`)).status).toBe(204);
    expect((await v5.request('DELETE', `/amqp-queues/${id}`)).status).toBe(204);
    expect((await v5.request('GET', `/amqp-queues/${id}`)).status).toBe(404);
  });
});

describe('AMQP login and links', () => {
  it('refuses a wrong access code, a stale timestamp, a foreign queue and sender links', async () => {
    const wrong = app('DefaultQueue', { accessCode: 'not-the-code' });
    expect(await wrong.failure()).toMatch(/auth|unauthori/i);
    const stale = app('DefaultQueue', { timestamp: Date.now() - 6 * 60_000 });
    expect(await stale.failure()).toMatch(/auth|unauthori/i);
    const unknown = app('no-such-queue');
    expect(await unknown.failure()).toMatch(/amqp:not-found/);
    const ok = app('DefaultQueue');
    await ok.attached();
    const sender = ok.connection.open_sender('DefaultQueue');
    await new Promise((r) => setTimeout(r, 300)); // bounded: the detach arrives
    expect(sender.is_closed()).toBe(true);
    ok.close();
  });

  it('closes a connection that sends garbage or speaks no SASL, and goes on serving', async () => {
    for (const bytes of [
      randomBytes(64),
      Buffer.from('AMQP\x00\x01\x00\x00garbage after a plain AMQP header'),
    ]) {
      const socket = connect(amqpPort, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(bytes);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the server kept the connection')), 5_000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const ok = app('DefaultQueue');
    await ok.attached();
    ok.close();
  });

  it('holds a connection to 10 receiver links and a project to 32 connections', async () => {
    apps.splice(0).forEach((a) => a.close()); // the earlier tests' connections
    await new Promise((r) => setTimeout(r, 300)); // bounded: the server has seen them go
    const one = app('DefaultQueue');
    await one.attached();
    const links = Array.from({ length: 10 }, () => one.connection.open_receiver({ source: 'DefaultQueue' }));
    await new Promise((r) => setTimeout(r, 500)); // bounded: the attaches are answered
    const refused = links.filter((l) => l.error !== undefined); // the 11th link of the connection
    expect(refused).toHaveLength(1);
    expect(JSON.stringify(refused[0]!.error)).toContain('amqp:resource-limit-exceeded');
    try {
      const more = Array.from({ length: 31 }, () => app('DefaultQueue'));
      await Promise.all(more.map((a) => a.attached()));
      expect(await app('DefaultQueue').failure()).toMatch(/amqp:resource-limit-exceeded/);
    } finally {
      apps.splice(0).forEach((a) => a.close()); // the next tests need the project's connections free
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  it('closes a connection that attaches no receiver link within 15 s', async () => {
    const idle = create_container().connect({
      host: '127.0.0.1',
      port: amqpPort,
      hostname: 'default',
      username: amqpUsername(code.access_key),
      password: code.access_code,
      reconnect: false,
    });
    let closed: string | undefined;
    idle.on('connection_close', (ctx: EventContext) => (closed = JSON.stringify(ctx.connection.error)));
    idle.on('disconnected', () => (closed ??= 'disconnected'));
    await new Promise((r) => setTimeout(r, 14_000));
    expect(closed).toBeUndefined();
    for (let i = 0; i < 100 && closed === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(closed).toContain('amqp:resource-limit-exceeded');
  }, 30_000);

  it('a new access code stops the old one', async () => {
    const again = await v5.request<typeof code>('POST', '/auth/accesscode', {});
    expect(again.status).toBe(201);
    const old = code;
    code = again.json;
    expect(
      await app('DefaultQueue', { accessKey: old.access_key, accessCode: old.access_code }).failure(),
    ).toMatch(/auth|unauthori/i);
    await app('DefaultQueue').attached();
  });
});

describe('forwarding to AMQP queues', () => {
  it('delivers what the rule selects, in order, with the IoTDA message shape (rhea)', async () => {
    await queue('rhea-queue');
    await ruleTo('rhea-queue', {
      select:
        "notify_data.header.device_id AS device_id, GET_SERVICE_PROPERTIES('Temperature').value AS value",
      where: "GET_SERVICE_PROPERTIES('Temperature').value > 38",
    });
    const consumer = app('rhea-queue');
    await consumer.attached();
    const { id, client } = await device('amqp-rhea');
    for (const value of [40, 20, 41, 39, 38, 42]) await reportTemperature(client, id, value);
    const got = await consumer.take(4);
    expect(got.map((m) => JSON.parse(m.body) as unknown)).toEqual(
      [40, 41, 39, 42].map((value) => ({ device_id: id, value })),
    );
    expect(got[0]).toMatchObject({
      messageId: expect.any(String),
      contentType: 'application/json',
      properties: { resource: 'device.property', event: 'report', device_id: id },
    });
  });

  it('keeps messages while no application consumes, redelivers the unsettled, and shares a queue', async () => {
    await queue('held-queue');
    await ruleTo('held-queue', { select: "GET_SERVICE_PROPERTIES('Temperature').value AS value" });
    const { id, client } = await device('amqp-held');
    for (let v = 1; v <= 5; v++) await reportTemperature(client, id, v);
    // Takes all five without settling them, then goes: they stay in the queue.
    const careless = app('held-queue', { autoaccept: false });
    expect((await careless.take(5)).map((m) => valueOf(m))).toEqual([1, 2, 3, 4, 5]);
    careless.close();
    for (let v = 6; v <= 10; v++) await reportTemperature(client, id, v);
    // Two competing consumers, each granting one message at a time: they get the ten once between them.
    const [a, b] = [
      app('held-queue', { credit: 0, autoaccept: false }),
      app('held-queue', { credit: 0, autoaccept: false }),
    ];
    await a.attached();
    await b.attached();
    a.receiver.add_credit(1);
    b.receiver.add_credit(1);
    const settled = new Set<unknown>();
    const all = () => [...a.received, ...b.received];
    for (let i = 0; i < 600 && all().length < 10; i++) {
      for (const consumer of [a, b])
        for (const m of consumer.received)
          if (!settled.has(m.delivery)) {
            settled.add(m.delivery);
            m.delivery.accept();
            consumer.receiver.add_credit(1);
          }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(
      all()
        .map((m) => valueOf(m))
        .sort((x, y) => x - y),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(a.received.length).toBeGreaterThan(0);
    expect(b.received.length).toBeGreaterThan(0);
  });

  it('keeps a queue across a restart of the platform; qpid-proton receives it over AMQPS', async () => {
    await queue('proton-queue');
    await ruleTo('proton-queue', { select: "GET_SERVICE_PROPERTIES('Temperature').value AS value" });
    const { id, client } = await device('amqp-proton');
    for (let v = 1; v <= 3; v++) await reportTemperature(client, id, v);
    await new Promise((r) => setTimeout(r, 500)); // bounded: the three reach the queue
    clients.forEach((c) => c.end(true));
    clients.length = 0;
    apps.forEach((a) => a.close());
    apps.length = 0;
    expect(await platform.stop()).toBe(0);
    platform = NidusProcess.start('platform', env);
    await platform.up();
    const bodies = await protonReceive({
      port: amqpsPort,
      accessKey: code.access_key,
      accessCode: code.access_code,
      queue: 'proton-queue',
      count: 3,
    });
    expect(bodies.map((b) => JSON.parse(b) as unknown)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
  });
});
