import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Connection, type Delivery, type EventContext, type Receiver, create_container } from 'rhea';

/** The SASL PLAIN user name of IoTDA's AMQP samples (spec 03 §6.7.2), with the trailing `|` of the Node sample. */
export const amqpUsername = (accessKey: string, timestamp = Date.now()) =>
  `accessKey=${accessKey}|timestamp=${timestamp}|`;

export interface Received {
  body: string;
  messageId: unknown;
  contentType: unknown;
  properties: Record<string, unknown>;
  delivery: Delivery;
}

/** The `value` a rule selected into a message body. */
export const valueOf = (m: { body: string }) => (JSON.parse(m.body) as { value: number }).value;

/** A rhea application as IoTDA's Node sample makes it: one receiver link on a queue, accepting unless told not to. */
export class AmqpApp {
  readonly received: Received[] = [];
  error: string | undefined;
  private constructor(
    readonly connection: Connection,
    readonly receiver: Receiver,
  ) {}

  static open(options: {
    port: number;
    accessKey: string;
    accessCode: string;
    queue: string;
    timestamp?: number;
    autoaccept?: boolean;
    credit?: number;
    transport?: 'tcp' | 'tls';
  }): AmqpApp {
    const container = create_container();
    const connection = container.connect({
      host: '127.0.0.1',
      port: options.port,
      transport: options.transport ?? 'tcp',
      rejectUnauthorized: false,
      hostname: 'default',
      username: amqpUsername(options.accessKey, options.timestamp),
      password: options.accessCode,
      reconnect: false,
      idle_time_out: 8000,
    } as never);
    const receiver = connection.open_receiver({
      source: options.queue,
      autoaccept: options.autoaccept ?? true,
      credit_window: options.credit ?? 1000,
    });
    const app = new AmqpApp(connection, receiver);
    container.on('message', (ctx: EventContext) =>
      app.received.push({
        body: ctx.message!.body as string,
        messageId: ctx.message!.message_id,
        contentType: ctx.message!.content_type,
        properties: (ctx.message!.application_properties ?? {}) as Record<string, unknown>,
        delivery: ctx.delivery!,
      }),
    );
    const failed = (ctx: EventContext & { error?: unknown }) => {
      const raw: unknown = ctx.error ?? ctx.receiver?.error ?? ctx.connection?.error;
      const error = raw as { condition?: string; description?: string; message?: string } | undefined;
      app.error ??= error?.condition
        ? `${error.condition}: ${error.description}`
        : (error?.message ?? 'disconnected');
    };
    for (const event of ['connection_error', 'receiver_error', 'disconnected', 'error'])
      container.on(event, failed as never);
    return app;
  }

  /** Resolves once the receiver link is attached; rejects with the server's error. */
  async attached(timeoutMs = 10_000): Promise<void> {
    await until(() => this.receiver.is_open() || this.error !== undefined, timeoutMs, 'no attach');
    if (this.error) throw new Error(this.error);
  }

  /** The first `n` messages, once they are in (bounded wait). */
  async take(n: number, timeoutMs = 15_000): Promise<Received[]> {
    await until(() => this.received.length >= n, timeoutMs, `${this.received.length} of ${n} messages`);
    return this.received.slice(0, n);
  }

  /** Resolves with the error that closed the connection or link (bounded wait). */
  async failure(timeoutMs = 10_000): Promise<string> {
    await until(() => this.error !== undefined, timeoutMs, 'no error');
    return this.error!;
  }

  close(): void {
    this.connection.close();
  }
}

export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Python qpid-proton (apt python3-qpid-proton) receiving `count` messages over AMQPS as IoTDA's samples do (SASL
 * PLAIN, vhost default, the server certificate not checked); resolves with their bodies.
 */
export async function protonReceive(options: {
  port: number;
  accessKey: string;
  accessCode: string;
  queue: string;
  count: number;
}): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    '/usr/bin/python3', // Debian's: apt's python3-qpid-proton is installed for it
    [
      join(__dirname, 'proton-receive.py'),
      `amqps://127.0.0.1:${options.port}`,
      amqpUsername(options.accessKey),
      options.accessCode,
      options.queue,
      String(options.count),
    ],
    { timeout: 30_000 },
  );
  return stdout.split('\n').filter(Boolean);
}
