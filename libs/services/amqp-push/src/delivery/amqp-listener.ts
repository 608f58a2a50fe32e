import type { Server } from 'node:net';
import { type Connection, type Delivery, type EventContext, type Sender, create_container } from 'rhea';
import type { AmqpConfig } from '@nidus/platform-config';
import type { Clock, Logger } from '@nidus/ports';
import { tlsMaterial } from '@nidus/platform-runtime';
import type { AccessCodes } from '../access-codes/access-codes';
import { loginWindowMs, parseAmqpLogin } from './amqp-login';
import type { QueuedMessage } from './message-store';
import type { Outcome, Outlet, QueueHub } from './queue-hub';

/** Spec 03 §6.7.1 and §6.7.3. */
export const amqpLimits = {
  receiversPerConnection: 10,
  connectionsPerProject: 32,
  receiverDeadlineMs: 15_000,
  idleTimeoutMs: 30_000,
} as const;

/** Answers whether the project has this queue. */
export type QueueExists = (project: string, queue: string) => Promise<boolean>;

interface ConnectionState {
  readonly project: string;
  readonly outlets: Set<Outlet>;
  /** Receiver links whose queue is being looked up: they count towards the connection's limit already. */
  attaching: number;
  deadline?: NodeJS.Timeout;
}

/**
 * The AMQP 1.0 endpoint of applications (spec 03 §6.7): SASL PLAIN with the access key and code, vhost `default`,
 * receiver links named by queue (sender links refused), credit-based delivery through the QueueHub.
 */
export class AmqpListener {
  private readonly container = create_container({ id: 'nidus-amqp-push' });
  private readonly servers: Server[] = [];
  private readonly connections = new Map<Connection, ConnectionState>();
  /** Why a connection was closed at its open. */
  private readonly refusals = new WeakMap<Connection, { condition: string; description: string }>();
  /** Access key → project, remembered from a successful SASL exchange for the connection that made it. */
  private readonly logins = new Map<string, string>();
  private readonly outlets = new WeakMap<Sender, Outlet>();
  private readonly deliveries = new WeakMap<Delivery, QueuedMessage>();

  constructor(
    private readonly hub: QueueHub,
    private readonly codes: AccessCodes,
    private readonly queueExists: QueueExists,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    const mechanisms = this.container.sasl_server_mechanisms as unknown as {
      enable_plain(check: (username: string, password: string) => Promise<boolean>): void;
    };
    mechanisms.enable_plain((username, password) => this.authenticate(username, password));
    this.container.on('connection_open', (ctx: EventContext) => this.opened(ctx));
    this.container.on('sender_open', (ctx: EventContext) => void this.attached(ctx));
    this.container.on('receiver_open', (ctx: EventContext) =>
      ctx.receiver?.close({
        condition: 'amqp:not-allowed',
        description: 'sender links are not supported: applications only receive (spec 03 §6.7.1)',
      }),
    );
    this.container.on('sendable', (ctx: EventContext) => this.withOutlet(ctx, (o) => this.hub.sendable(o)));
    for (const outcome of ['accepted', 'rejected', 'released'] as const)
      this.container.on(outcome, (ctx: EventContext) => this.settled(ctx, outcome));
    this.container.on('sender_close', (ctx: EventContext) => this.withOutlet(ctx, (o) => this.detach(o)));
    this.container.on('connection_close', (ctx: EventContext) => this.gone(ctx.connection));
    this.container.on('disconnected', (ctx: EventContext) => this.gone(ctx.connection));
    this.container.on('error', (error: unknown) => this.logger.warn({ err: error }, 'amqp: error'));
    for (const event of ['connection_error', 'sender_error', 'session_error', 'protocol_error'])
      this.container.on(event, (ctx: EventContext & { error?: unknown }) =>
        this.logger.info({ err: ctx.error ?? ctx.connection?.error }, `amqp: ${event}`),
      );
    hub.onDisconnectProject((project) => {
      for (const [connection, state] of this.connections)
        if (state.project === project)
          connection.close({
            condition: 'amqp:connection:forced',
            description: 'the access code was renewed',
          });
    });
  }

  /** Starts the configured listeners; their URLs. */
  async start(config: AmqpConfig, host: string, dataDir: string): Promise<string[]> {
    const common = { host, idle_time_out: amqpLimits.idleTimeoutMs, require_sasl: true };
    const urls: string[] = [];
    if (config.port > 0) urls.push(`amqp://${await this.listen({ ...common, port: config.port })}`);
    if (config.tlsPort > 0) {
      const tls = tlsMaterial({
        dataDir,
        ...(config.tlsCertFile ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile! } : {}),
      });
      const options = { ...common, port: config.tlsPort, transport: 'tls', cert: tls.cert, key: tls.key };
      const address = await this.listen({ ...options, minVersion: 'TLSv1.2' });
      urls.push(`amqps://${address}${tls.caFile ? ` (development CA: ${tls.caFile})` : ''}`);
    }
    return urls;
  }

  async stop(): Promise<void> {
    for (const connection of this.connections.keys())
      connection.close({ condition: 'amqp:connection:forced', description: 'server shutting down' });
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const state of this.connections.values()) clearTimeout(state.deadline);
  }

  private listen(options: Record<string, unknown>): Promise<string> {
    const server = this.container.listen(options as never) as unknown as Server;
    this.servers.push(server);
    server.on('tlsClientError', (error: Error) =>
      this.logger.info({ err: error }, 'amqps: TLS handshake failed'),
    );
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => {
        const a = server.address() as { address: string; port: number };
        resolve(`${a.address === '0.0.0.0' || a.address === '::' ? 'localhost' : a.address}:${a.port}`);
      });
    });
  }

  private async authenticate(username: string, password: string): Promise<boolean> {
    const login = parseAmqpLogin(username);
    if (!login) return this.refused('user name is not accessKey=…|timestamp=<13 digits>', username);
    if (Math.abs(this.clock.now() - login.timestamp) > loginWindowMs)
      return this.refused('timestamp more than 5 minutes from the server time', username);
    const project = await this.codes.verify(login.accessKey, password).catch((error: unknown) => {
      this.logger.error({ err: error }, 'amqp: access codes unreadable');
      return undefined;
    });
    if (!project) return this.refused('unknown access key or wrong access code', username);
    this.logins.set(login.accessKey, project);
    return true;
  }

  private refused(reason: string, username: string): false {
    this.logger.info({ username: username.slice(0, 128), reason }, 'amqp: login refused');
    return false;
  }

  private opened(ctx: EventContext): void {
    const connection = ctx.connection;
    const username = (connection as unknown as { sasl_transport?: { username?: string } }).sasl_transport
      ?.username;
    const project = username && this.logins.get(parseAmqpLogin(username)?.accessKey ?? '');
    if (!project)
      return this.refuse(connection, {
        condition: 'amqp:unauthorized-access',
        description: 'SASL PLAIN login required',
      });
    const vhost = (connection as unknown as { remote: { open?: { hostname?: string } } }).remote.open
      ?.hostname;
    if (vhost !== undefined && vhost !== 'default')
      return this.refuse(connection, {
        condition: 'amqp:not-found',
        description: `vhost ${vhost}: only "default"`,
      });
    const open = [...this.connections.values()].filter((c) => c.project === project).length;
    if (open >= amqpLimits.connectionsPerProject)
      return this.refuse(connection, {
        condition: 'amqp:resource-limit-exceeded',
        description: `at most ${amqpLimits.connectionsPerProject} connections a project`,
      });
    const state: ConnectionState = { project, outlets: new Set(), attaching: 0 };
    state.deadline = setTimeout(() => {
      if (state.outlets.size === 0)
        connection.close({
          condition: 'amqp:resource-limit-exceeded',
          description: 'no receiver link within 15 s',
        });
    }, amqpLimits.receiverDeadlineMs);
    state.deadline.unref();
    this.connections.set(connection, state);
  }

  /**
   * Closes a connection at its open. A client may send its attaches in the same write as its open: they are answered
   * with the same error, so the client hears why whichever close it reads first.
   */
  private refuse(connection: Connection, error: { condition: string; description: string }): void {
    this.refusals.set(connection, error);
    connection.close(error);
  }

  private async attached(ctx: EventContext): Promise<void> {
    const sender = ctx.sender!;
    const state = this.connections.get(ctx.connection);
    const queue = (sender as unknown as { remote: { attach?: { source?: { address?: string } } } }).remote
      .attach?.source?.address;
    // The attach answer leaves before the lookup ends: it names the queue, and a detach with the error follows.
    if (queue) sender.set_source({ address: queue });
    if (!state)
      return sender.close(
        this.refusals.get(ctx.connection) ?? {
          condition: 'amqp:unauthorized-access',
          description: 'not logged in',
        },
      );
    if (state.outlets.size + state.attaching >= amqpLimits.receiversPerConnection)
      return sender.close({
        condition: 'amqp:resource-limit-exceeded',
        description: `at most ${amqpLimits.receiversPerConnection} receiver links a connection`,
      });
    state.attaching++;
    const exists = queue !== undefined && (await this.queueExists(state.project, queue).catch(() => false));
    state.attaching--;
    if (!exists)
      return sender.close({
        condition: 'amqp:not-found',
        description: `no queue ${queue ?? '(none)'} in this project`,
      });
    if (!sender.is_open()) return; // detached while the queue was looked up
    const settleAtSend =
      (sender as unknown as { remote: { attach?: { snd_settle_mode?: number } } }).remote.attach
        ?.snd_settle_mode === 1;
    // rhea takes a link's credit (and counts the delivery) when it writes a transfer, not at send(): what is sent and
    // not yet written uses credit too.
    const link = sender as unknown as { credit: number; delivery_count: number };
    const written = link.delivery_count;
    let sent = 0;
    const outlet: Outlet = {
      project: state.project,
      queue,
      room: () => (sender.sendable() ? link.credit - (sent - (link.delivery_count - written)) : 0),
      send: (message) => {
        const delivery = sender.send({
          body: message.data.body,
          message_id: message.data.message_id,
          content_type: 'application/json',
          creation_time: new Date(message.data.created_ms),
          application_properties: {
            resource: message.data.resource,
            event: message.data.event,
            ...(message.data.device_id ? { device_id: message.data.device_id } : {}),
            ...(message.data.app_id ? { app_id: message.data.app_id } : {}),
          },
        });
        this.deliveries.set(delivery, message);
        sent++;
        if (settleAtSend) this.hub.settled(outlet, message, 'accepted'); // the client asked for at most once
      },
      close: (condition, description) => sender.close({ condition, description }),
    };
    this.outlets.set(sender, outlet);
    state.outlets.add(outlet);
    clearTimeout(state.deadline);
    this.hub.attach(outlet);
  }

  private withOutlet(ctx: EventContext, act: (outlet: Outlet) => void): void {
    const outlet = ctx.sender && this.outlets.get(ctx.sender);
    if (outlet) act(outlet);
  }

  private settled(ctx: EventContext, outcome: Outcome): void {
    const message = ctx.delivery && this.deliveries.get(ctx.delivery);
    if (message) this.withOutlet(ctx, (o) => this.hub.settled(o, message, outcome));
  }

  private detach(outlet: Outlet): void {
    for (const state of this.connections.values()) state.outlets.delete(outlet);
    this.hub.detach(outlet);
  }

  private gone(connection: Connection): void {
    const state = this.connections.get(connection);
    if (!state) return;
    this.connections.delete(connection);
    clearTimeout(state.deadline);
    for (const outlet of state.outlets) this.hub.detach(outlet);
  }
}
