import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MqttClient, connectAsync } from 'mqtt';
import type { DeviceAccess, EventEnvelope, ProductAccess, TopicDefinition } from '@nidus/contracts';
import {
  type StatusUpdatePush,
  deploymentTenant,
  deviceMessageReportedV1,
  deviceStatusChangedV1,
} from '@nidus/contracts';
import {
  type DeviceDirectory,
  DeviceSessions,
  GatewayInstance,
  SourceGuard,
  UplinkPipeline,
} from '@nidus/gateway-kit';
import type { EventBus } from '@nidus/messaging-core';
import { loadConfig } from '@nidus/platform-config';
import type { InternalClient } from '@nidus/platform-iotda-http';
import { type Infrastructure, openInfrastructure, standaloneRuntime } from '@nidus/platform-runtime';
import { SecretBox } from '@nidus/platform-secrets';
import { silentLogger, systemClock } from '@nidus/ports';
import { MqttBrokerService } from './mqtt-broker.service';

/**
 * The bus as a device sees it during an outage: publishes wait (Kafka's producer retrying) until the outage ends,
 * then reach the real bus, or fail. Everything else is the real embedded bus.
 */
class FlakyBus {
  private held: { resume: () => void; fail: (e: Error) => void }[] = [];
  private down = false;

  constructor(private readonly real: EventBus) {}

  get bus(): EventBus {
    return new Proxy(this.real, {
      get: (target, name, receiver) =>
        name === 'publish'
          ? (topic: TopicDefinition, events: readonly EventEnvelope[]) => this.publish(topic, events)
          : (Reflect.get(target, name, receiver) as unknown),
    });
  }

  goDown(): void {
    this.down = true;
  }

  /** Ends the outage: held publishes go through (or fail, as Kafka's do when its retries run out). */
  comeBack(outcome: 'deliver' | 'fail'): void {
    this.down = false;
    for (const h of this.held.splice(0))
      if (outcome === 'deliver') h.resume();
      else h.fail(new Error('KafkaJSNumberOfRetriesExceeded'));
  }

  get waiting(): number {
    return this.held.length;
  }

  private async publish(topic: TopicDefinition, events: readonly EventEnvelope[]): Promise<void> {
    if (this.down) {
      await new Promise<void>((resume, fail) => this.held.push({ resume, fail }));
    }
    await this.real.publish(topic, events);
  }
}

describe('mqtt-gateway while the bus is down (spec 01 durability: PUBACK only after the bus holds the event)', () => {
  const secret = 'mediumSecret0123';
  const dataDir = mkdtempSync(join(tmpdir(), 'nidus-mqtt-gateway-'));
  const boxes = new SecretBox(randomBytes(32));
  const access: DeviceAccess = {
    device_id: 'p1dev_meter-1',
    project_id: 'p1',
    app_id: 'app1',
    product_id: 'p1dev',
    node_id: 'meter-1',
    gateway_id: 'p1dev_meter-1',
    direct: true,
    frozen: false,
    auth_type: 'SECRET',
    secure_access: true,
    secret: boxes.seal(secret),
  };
  const product: ProductAccess = {
    project_id: 'p1',
    product_id: 'p1dev',
    app_id: 'app1',
    protocol_type: 'MQTT',
    data_format: 'json',
    service_capabilities: [],
  };
  let infra: Infrastructure;
  let flaky: FlakyBus;
  let service: MqttBrokerService;
  let server: Server;
  let sessions: DeviceSessions;
  const received: EventEnvelope[] = [];
  const statuses: EventEnvelope<StatusUpdatePush>[] = [];
  const clients: MqttClient[] = [];
  let instance: GatewayInstance;

  beforeAll(async () => {
    const config = loadConfig(
      { NIDUS_DATA_DIR: dataDir, MQTT_KEEPALIVE_MIN_S: '1' }, // a device's session is renewed every keepalive
      { defaultServices: ['mqtt-gateway'] },
    );
    infra = await openInfrastructure(config, silentLogger);
    flaky = new FlakyBus(infra.bus);
    await infra.bus.subscribe({
      topic: deviceMessageReportedV1,
      group: 'test-messages',
      handler: async (e) => void received.push(e),
    });
    await infra.bus.subscribe({
      topic: deviceStatusChangedV1,
      group: 'test-statuses',
      handler: async (e) => void statuses.push(e),
    });
    const runtime = standaloneRuntime('mqtt-gateway', config, infra, {
      bus: flaky.bus,
      secrets: boxes,
      internalToken: 'x'.repeat(32),
    });
    // The registry is not under test here: the directory knows the one device.
    const directory = {
      device: async (id: string) => (id === access.device_id ? access : undefined),
      product: async () => product,
    } as unknown as DeviceDirectory;
    sessions = new DeviceSessions(await runtime.sessions(), 'test', silentLogger);
    await sessions.start();
    const pipeline = new UplinkPipeline({ bus: runtime.bus, directory, clock: systemClock, source: 'test' });
    // Heartbeats straight to the bus, every 500 ms: the outages below are for the devices' events.
    instance = new GatewayInstance(infra.bus, 'mqtt-gateway', 'test', 500, silentLogger);
    await instance.start();
    service = new MqttBrokerService(runtime, {
      instance,
      client: {} as InternalClient,
      directory,
      sessions,
      pipeline,
      guard: new SourceGuard(runtime.config.mqtt.loginFailures, systemClock.now),
    });
    server = createServer((socket) => service.handle(socket, 'tcp'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });

  afterAll(async () => {
    flaky.comeBack('deliver');
    clients.splice(0).forEach((c) => c.end(true));
    instance.stop();
    await service.close();
    await new Promise((r) => server.close(r));
    await sessions.close();
    await infra.close();
  });

  async function device(keepalive = 60): Promise<{ client: MqttClient; pubacks: number[] }> {
    const ts = '2026010100';
    const client = await connectAsync(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      clientId: `${access.device_id}_0_0_${ts}`,
      username: access.device_id,
      password: createHmac('sha256', ts).update(secret).digest('hex'),
      protocolVersion: 4,
      keepalive,
      reconnectPeriod: 0,
    });
    clients.push(client);
    const pubacks: number[] = [];
    client.on('packetreceive', (p) => {
      if (p.cmd === 'puback') pubacks.push(p.messageId ?? -1);
    });
    return { client, pubacks };
  }

  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('sends no PUBACK and stops reading from the device until the bus holds the events', async () => {
    const { client, pubacks } = await device();
    await settle(200); // the ONLINE status event is through
    flaky.goDown();
    const before = received.length;
    const topic = `$oc/devices/${access.device_id}/sys/messages/up`;
    const burst = (from: number) => {
      for (let i = from; i < from + 50; i++) client.publish(topic, `m${i}`, { qos: 1 });
    };
    burst(0);
    await settle(1000);
    expect(pubacks).toEqual([]);
    // aedes handles what one read of the socket returned, then reads again only when all of it is done: what waits
    // on the bus is bounded by one read, and nothing sent after it is taken from the connection.
    const inFlight = flaky.waiting;
    expect(inFlight).toBeGreaterThanOrEqual(1);
    expect(inFlight).toBeLessThanOrEqual(50);
    burst(50);
    await settle(1000);
    expect(flaky.waiting).toBe(inFlight);
    expect(pubacks).toEqual([]);

    flaky.comeBack('deliver');
    for (let i = 0; i < 100 && pubacks.length < 100; i++) await settle(50);
    expect(pubacks).toHaveLength(100);
    for (let i = 0; i < 100 && received.length < before + 100; i++) await settle(50);
    const messages = received
      .slice(before)
      .map((e) => (e.data as { notify_data: { body: { content: unknown } } }).notify_data.body.content);
    expect(messages).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });

  it('closes the connection without PUBACK when the bus gives up, and takes the device back after', async () => {
    const { client, pubacks } = await device();
    await settle(200);
    flaky.goDown();
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(`$oc/devices/${access.device_id}/sys/messages/up`, 'lost?', { qos: 1 });
    await settle(300);
    flaky.comeBack('fail');
    await closed;
    expect(pubacks).toEqual([]); // the device keeps the message and sends it again after reconnecting

    const again = await device();
    await again.client.publishAsync(`$oc/devices/${access.device_id}/sys/messages/up`, 'resent', {
      qos: 1,
    });
    expect(again.pubacks).toHaveLength(1);
  });

  it('reports its devices online again when its heartbeats resume after a stall the registry may have judged', async () => {
    const from = statuses.length;
    await device();
    const online = () =>
      statuses
        .slice(from)
        .filter((e) => e.subject === access.device_id && e.data.notify_data.body.status === 'ONLINE').length;
    for (let i = 0; i < 100 && online() === 0; i++) await settle(20);
    const before = online();
    expect(before).toBe(1);
    await settle(1_000);
    expect(online()).toBe(before); // heartbeats on time: nothing to repeat
    const stalledUntil = Date.now() + 2_500; // five heartbeats missed: the event loop does nothing else
    while (Date.now() < stalledUntil);
    for (let i = 0; i < 150 && online() === before; i++) await settle(20);
    expect(online()).toBe(before + 1);
    expect(statuses.at(-1)!.source).toBe(instance.source);
  });

  it('tells again which instance holds a device when the session store lost its session (a restart)', async () => {
    const from = statuses.length;
    await device(1); // its session is renewed every second
    const online = () =>
      statuses
        .slice(from)
        .filter((e) => e.subject === access.device_id && e.data.notify_data.body.status === 'ONLINE').length;
    for (let i = 0; i < 100 && online() === 0; i++) await settle(20);
    expect(online()).toBe(1);
    const store = await infra.sessions('mqtt-gateway');
    const key = `session:${access.device_id}`;
    await store.delete(deploymentTenant, key);
    for (let i = 0; i < 150 && online() === 1; i++) await settle(20);
    expect(online()).toBe(2);
    expect(statuses.at(-1)!.source).toBe(instance.source);
    expect(await store.get(deploymentTenant, key)).toMatch(/^test\//);
  });
});
