import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AuthenticateError,
  type Client,
  type ConnectPacket,
  type PublishPacket,
  type Subscription,
  createBroker,
} from 'aedes';
import type Aedes from 'aedes';
import {
  type DeviceContext,
  type DeviceDirectory,
  type DeviceSessions,
  type Downlink,
  type GatewayInstance,
  SourceGuard,
  TokenBucket,
  type UplinkPipeline,
  checkSecretLogin,
  publishDeviceStatus,
} from '@nidus/gateway-kit';
import { type DeviceGatewayMetrics, deviceGatewayMetrics } from '@nidus/platform-observability';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import {
  filterMatches,
  isDownlinkTopic,
  maySubscribe,
  parseClientId,
  parseUplinkTopic,
} from '@nidus/protocol-iotda-mqtt';
import { MQTT_GATEWAY_PARTS, type MqttGatewayParts } from './mqtt-gateway.parts';
import {
  type DeviceConnection,
  type Refusal,
  type Transport,
  closeBlocked,
  connack,
  notTheSource,
  reasonOf,
  refusalCodes,
} from './mqtt-connection';
import { guardParser } from './mqtt-packet-guard';

const protocol = 'mqtt';
const maxStrikes = 10; // refused publishes before the connection is closed (spec 01 §3.1 [Rec])
const maxThrottleMs = 10_000; // a connection this far over its byte rate is flooding: close it

/**
 * The MQTT side of the gateway: aedes speaks the protocol; its hooks run the IoTDA contract — CONNECT checks
 * (spec 01 §2.6), topic ACL (§3.1), the shared uplink pipeline with PUBACK only after the bus holds the events, one
 * session per device, status events. Uplinks never enter aedes's routing (no device receives another's or its own
 * uplink); downlinks go straight to the device's connection.
 */
@Injectable()
export class MqttBrokerService {
  readonly broker: Aedes;
  private readonly connections = new WeakMap<Client, DeviceConnection>();
  private readonly connects = new WeakMap<Client, ConnectPacket>();
  private readonly transports = new WeakMap<Duplex, Transport>();
  /** The remote address of each connection, for the source guard. */
  private readonly sources = new WeakMap<Client, string | undefined>();
  private readonly guard: SourceGuard;
  private readonly byDevice = new Map<string, Client>();
  private readonly errored = new WeakSet<Client>();
  /** OFFLINE reports still being published. */
  private readonly closing = new Set<Promise<void>>();
  private readonly metrics: DeviceGatewayMetrics;
  private readonly directory: DeviceDirectory;
  private readonly sessions: DeviceSessions;
  private readonly pipeline: UplinkPipeline;
  private readonly instance: GatewayInstance;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MQTT_GATEWAY_PARTS) parts: MqttGatewayParts,
  ) {
    this.metrics = deviceGatewayMetrics(runtime.metrics);
    this.directory = parts.directory;
    this.sessions = parts.sessions;
    this.pipeline = parts.pipeline;
    this.instance = parts.instance;
    this.guard = parts.guard;
    this.instance.onResumed(() => this.reannounce());
    this.broker = createBroker({
      id: `nidus-${runtime.config.instanceId}`,
      heartbeatInterval: 60_000,
      connectTimeout: 30_000,
      preConnect: (client, packet, done) => this.preConnect(client, packet, done),
      authenticate: (client, _username, _password, done) => {
        this.authenticate(client).then(
          () => done(null, true),
          (error: Refusal) => {
            if (error.outcome !== undefined && !notTheSource.has(error.outcome))
              this.failedLogin(this.sources.get(client));
            done(error, false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(new Error('publish without a client'));
        this.uplink(client, packet).then(
          () => done(null),
          (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
        );
      },
      authorizeSubscribe: (client, sub, done) => done(null, this.subscription(client, sub)),
      authorizeForward: (_client, packet) => (isDownlinkTopic(packet.topic) ? packet : null),
    });
    // Uplinks are the bus's, never aedes's to route: a publish from a device ends in the pipeline.
    const route = this.broker.publish.bind(this.broker) as (
      p: PublishPacket,
      c: unknown,
      d: (e?: Error) => void,
    ) => void;
    (this.broker as unknown as { publish: typeof route }).publish = (packet, client, done) => {
      if (client && typeof client === 'object') return done();
      route(packet, client, done);
    };
    this.broker.on('clientReady', (client) => this.online(client));
    this.broker.on('clientDisconnect', (client) => this.offline(client));
    this.broker.on('keepaliveTimeout', (client) => client && this.noteClosing(client, 'keepalive-timeout'));
    // Counted once per connection: mqtt-packet may report one broken packet twice.
    const onError = (client: Client | undefined, error: Error) => {
      if (!client || this.errored.has(client)) return;
      this.errored.add(client);
      if (this.connections.has(client)) this.noteClosing(client, reasonOf(error));
      else if ((error as { errorCode?: number }).errorCode === undefined && !client.closed) {
        // before the session began (a refused CONNECT is counted by its outcome instead; a write left over when the
        // connection had closed, such as a PUBACK of an ended session, errs after it and is no login of its source)
        this.metrics.disconnects.inc({ protocol, reason: reasonOf(error) });
        this.failedLogin(this.sources.get(client));
      }
    };
    this.broker.on('clientError', onError);
    this.broker.on('connectionError', onError);
  }

  /** Serves one device connection; packets over `maxPacketBytes` close it before they are buffered. */
  handle(stream: Duplex, transport: Transport, request?: IncomingMessage): void {
    const source = (request?.socket ?? (stream as Socket)).remoteAddress;
    if (this.guard.blocked(source)) {
      this.metrics.connects.inc({ protocol, outcome: 'source-blocked' });
      return closeBlocked(stream);
    }
    this.transports.set(stream, transport);
    const client = this.broker.handle(stream, request);
    this.sources.set(client, source);
    guardParser(client, this.runtime.config.mqtt.maxPacketBytes);
  }

  /** True while `address` is refused for its failed logins (a listener may then close a connection at once). */
  refusesSource(address: string | undefined): boolean {
    return this.guard.blocked(address);
  }

  /** Sends a message to a device connected here; false if it is not. QoS: what it subscribed, at most 1 (R6). */
  deliver(deviceId: string, message: Downlink): Promise<boolean> {
    const client = this.byDevice.get(deviceId);
    return client ? this.send(client, message).then(() => true) : Promise.resolve(false);
  }

  /** Closes a device's connection here, if it has one (the registry froze or deleted it). */
  disconnect(deviceId: string, reason: string): void {
    const client = this.byDevice.get(deviceId);
    if (!client) return;
    this.noteClosing(client, reason);
    client.close();
  }

  async close(): Promise<void> {
    const clients = [...this.byDevice.values()];
    await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.close(() => resolve()))));
    await Promise.all(this.closing); // every device reported offline before the bus closes
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
  }

  private preConnect(
    client: Client,
    packet: ConnectPacket,
    done: (error: Error | null, ok: boolean) => void,
  ): void {
    // Will messages are not part of the IoTDA contract (spec 01 §2.6.8 [Rec]).
    delete (packet as { will?: unknown }).will;
    this.connects.set(client, packet);
    done(null, true);
  }

  /** CONNECT (spec 01 §2.6.4): client id → keepalive → device → state, timestamp, password → session. */
  private async authenticate(client: Client): Promise<void> {
    const packet = this.connects.get(client)!;
    this.connects.delete(client);
    if (this.guard.blocked(this.sources.get(client)))
      throw this.refuse('source-blocked', connack.notAuthorized, 'too many failed logins from this address');
    const { mqtt } = this.runtime.config;
    const id = parseClientId(packet.clientId);
    if (!id)
      throw this.refuse(
        'client-id',
        connack.identifierRejected,
        'client id is not {device_id}_0_{sign_type}_{YYYYMMDDHH}',
      );
    const keepalive = packet.keepalive ?? 0;
    if (keepalive < mqtt.keepaliveMinS || keepalive > mqtt.keepaliveMaxS)
      throw this.refuse(
        'keepalive',
        connack.identifierRejected,
        `keepalive ${keepalive} s outside ${mqtt.keepaliveMinS}–${mqtt.keepaliveMaxS} s`,
      );
    if (packet.username !== id.deviceId)
      throw this.refuse('username', connack.badCredentials, 'username is not the client id device');
    const password = packet.password?.toString('utf8') ?? '';
    let device: DeviceContext;
    try {
      const access = await this.directory.device(id.deviceId);
      const refusal = checkSecretLogin(
        access,
        { ...id, password },
        {
          secrets: this.runtime.secrets,
          timestampWindowH: mqtt.timestampWindowH,
          now: () => this.runtime.clock.now(),
        },
      );
      if (refusal) throw this.refuse(refusal, refusalCodes[refusal], `device ${id.deviceId}: ${refusal}`);
      const product = await this.directory.product(access!);
      if (!product) throw new Error(`product ${access!.product_id} not found`);
      device = { access: access!, product };
    } catch (error) {
      if ((error as Partial<AuthenticateError>).returnCode !== undefined) throw error;
      this.runtime.logger.warn(
        { err: error, deviceId: id.deviceId },
        'device registry unavailable for CONNECT',
      );
      throw this.refuse('unavailable', connack.unavailable, 'service unavailable');
    }
    const now = this.runtime.clock.now();
    const rate = mqtt.connectionBytesPerS;
    const connection: DeviceConnection = {
      id: randomUUID(),
      device,
      transport: this.transports.get(client.conn) ?? 'tcp',
      bucket: rate > 0 ? new TokenBucket(rate, now, Math.max(rate, mqtt.maxPacketBytes)) : undefined,
      connectedAt: now,
      status: Promise.resolve(),
      strikes: 0,
      takenOver: false,
    };
    // A keepalive of 0 (allowed when MQTT_KEEPALIVE_MIN_S is 0) never expires: the claim then lives as long as the
    // longest keepalive would, renewed at that pace.
    const renewS = keepalive > 0 ? keepalive : mqtt.keepaliveMaxS;
    const claimMs = renewS * 1500 * 2;
    try {
      await this.sessions.claim(id.deviceId, connection.id, () => this.takeOver(client, connection), claimMs);
    } catch (error) {
      this.runtime.logger.warn(
        { err: error, deviceId: id.deviceId },
        'session store unavailable for CONNECT',
      );
      throw this.refuse('unavailable', connack.unavailable, 'service unavailable');
    }
    if (client.closed) {
      // The connection ended while the login was checked (aedes drops a CONNECT it no longer waits for).
      await this.sessions.release(id.deviceId, connection.id).catch(() => false);
      throw this.refuse('closed', connack.unavailable, 'connection closed during CONNECT');
    }
    // What the session store lost with a lost session (which instance holds the device) is told again.
    connection.renewal = this.sessions.keep(id.deviceId, connection.id, claimMs, renewS * 1000, () => {
      if (this.connections.get(client) === connection) this.announce(connection);
    });
    this.connections.set(client, connection);
  }

  private refuse(outcome: string, returnCode: number, message: string): Refusal {
    this.metrics.connects.inc({ protocol, outcome });
    // a blocked source's refusals are counted, not logged one by one: the block was logged when it began
    if (outcome !== 'source-blocked')
      this.runtime.logger.info({ outcome, returnCode }, `CONNECT refused: ${message}`);
    return Object.assign(new Error(message), { returnCode, outcome }) satisfies Refusal;
  }

  /** Counts a refused login or a connection broken before its CONNECT was answered against its source. */
  private failedLogin(source: string | undefined): void {
    if (this.guard.fail(source))
      this.runtime.logger.warn(
        { source, blockS: this.runtime.config.mqtt.loginFailures.blockS },
        'source address blocked: too many failed logins',
      );
  }

  private online(client: Client): void {
    const c = this.connections.get(client);
    if (!c) return;
    this.metrics.connects.inc({ protocol, outcome: 'accepted' });
    this.metrics.connections.inc({ protocol, transport: c.transport });
    this.byDevice.set(c.device.access.device_id, client);
    c.status = this.publishStatus(c, 'ONLINE');
  }

  private offline(client: Client): void {
    const c = this.connections.get(client);
    if (!c) return;
    this.connections.delete(client);
    clearInterval(c.renewal);
    const deviceId = c.device.access.device_id;
    if (this.byDevice.get(deviceId) === client) this.byDevice.delete(deviceId);
    this.metrics.connections.dec({ protocol, transport: c.transport });
    const reason = c.takenOver ? 'taken-over' : (c.closeReason ?? 'disconnect');
    this.metrics.disconnects.inc({ protocol, reason });
    const previous = c.status;
    c.status = previous
      .then(async () => {
        // Only the connection that still owns the device reports it offline (a takeover reported it online).
        if (c.takenOver || !(await this.sessions.release(deviceId, c.id))) return;
        await this.publishStatus(c, 'OFFLINE');
      })
      .catch((error: unknown) => this.runtime.logger.error({ err: error, deviceId }, 'session not released'));
    const done = c.status;
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
  }

  /** Reports every device connected here ONLINE again (this instance may have been taken as gone meanwhile). */
  private reannounce(): void {
    for (const client of this.byDevice.values()) {
      const c = this.connections.get(client);
      if (c) this.announce(c);
    }
  }

  /** Reports the device ONLINE again, after what its connection reported so far. */
  private announce(c: DeviceConnection): void {
    c.status = c.status.then(() => this.publishStatus(c, 'ONLINE'));
  }

  private takeOver(client: Client, connection: DeviceConnection): void {
    connection.takenOver = true;
    this.runtime.logger.info(
      { deviceId: connection.device.access.device_id },
      'session taken over by a newer CONNECT',
    );
    client.close();
  }

  private publishStatus(c: DeviceConnection, status: 'ONLINE' | 'OFFLINE'): Promise<void> {
    const now = this.runtime.clock.now();
    const { source } = this.instance;
    return publishDeviceStatus(this.runtime.bus, source, c.device.access, status, now, c.connectedAt).catch(
      (error: unknown) =>
        this.runtime.logger.error(
          { err: error, deviceId: c.device.access.device_id, status },
          'status event not published',
        ),
    );
  }

  /** PUBLISH: ACL → rate → pipeline (bus durable) → replies; resolving lets aedes PUBACK, rejecting closes. */
  private async uplink(client: Client, packet: PublishPacket): Promise<void> {
    const c = this.connections.get(client);
    if (!c) throw new Error('publish before CONNECT completed');
    const receivedAt = this.runtime.clock.now();
    const topic = parseUplinkTopic(packet.topic);
    const deviceId = c.device.access.device_id;
    if (!topic || topic.deviceId !== deviceId) {
      this.metrics.uplinks.inc({ protocol, kind: 'unknown', outcome: 'topic-not-allowed' });
      this.runtime.logger.warn(
        { deviceId, topic: packet.topic.slice(0, 256) },
        'publish refused: topic not allowed',
      );
      if (++c.strikes >= maxStrikes) throw new Error('too many refused publishes');
      return;
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const wait = c.bucket?.take(payload.length, receivedAt) ?? 0;
    if (wait > maxThrottleMs) {
      this.metrics.uplinks.inc({ protocol, kind: topic.kind, outcome: 'flood' });
      throw new Error(`flood: ${wait} ms over the byte rate`);
    }
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const started = process.hrtime.bigint();
    const outcome = await this.pipeline.handle(c.device, topic, payload, receivedAt);
    this.metrics.publishSeconds.observe({ protocol }, Number(process.hrtime.bigint() - started) / 1e9);
    if (outcome.accepted) {
      this.metrics.uplinks.inc({ protocol, kind: topic.kind, outcome: 'accepted' });
      if (outcome.problems.length > 0)
        this.runtime.logger.warn(
          { deviceId, kind: topic.kind, problems: outcome.problems },
          'uplink partly refused',
        );
    } else {
      this.metrics.uplinks.inc({ protocol, kind: topic.kind, outcome: outcome.reason });
      this.runtime.logger.warn(
        { deviceId, kind: topic.kind, reason: outcome.reason, detail: outcome.detail },
        'uplink refused',
      );
    }
    for (const reply of outcome.replies) await this.send(client, reply);
  }

  /** SUBSCRIBE: own prefix only, else SUBACK 0x80 (spec 01 §3.1 [Rec]); QoS 2 was lowered by guardParser. */
  private subscription(client: Client, sub: Subscription): Subscription | null {
    const c = this.connections.get(client);
    if (!c || !maySubscribe(c.device.access.device_id, sub.topic)) {
      this.runtime.logger.warn(
        { deviceId: c?.device.access.device_id, filter: sub.topic.slice(0, 256) },
        'subscribe refused',
      );
      return null;
    }
    return sub;
  }

  private send(client: Client, message: Downlink): Promise<void> {
    let qos: 0 | 1 = 0; // implicit subscription (R6)
    for (const [filter, sub] of Object.entries(
      (client as unknown as { subscriptions: Record<string, { qos: number }> }).subscriptions,
    ))
      if (sub.qos > 0 && filterMatches(filter, message.topic)) qos = 1;
    return new Promise<void>((resolve) => {
      client.publish(
        {
          cmd: 'publish',
          topic: message.topic,
          payload: message.payload,
          qos,
          retain: false,
          dup: false,
        },
        (error?: Error) => {
          if (error) this.runtime.logger.warn({ err: error }, 'downlink not written');
          resolve();
        },
      );
    });
  }

  /** Notes why a connection is about to close; the first reason stands (a keepalive timeout also errors). */
  private noteClosing(client: Client, reason: string): void {
    const c = this.connections.get(client);
    if (c) c.closeReason ??= reason;
    this.runtime.logger.info({ deviceId: c?.device.access.device_id, reason }, 'device connection closing');
  }
}
