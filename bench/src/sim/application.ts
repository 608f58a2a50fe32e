import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Connection, type EventContext, create_container } from 'rhea';
import { type Target, call } from '../nidus-target';
import { type Percentiles, percentiles } from './fleet';
import { Ledger, SeqSet } from './seq-set';

// The application side of a simulation: routing rules that forward every report's device id and sequence number to
// an AMQP queue (and, when asked, to an HTTP server), a rhea consumer and an HTTP server that count what arrives per
// device, and an application that sends asynchronous commands. Each can be stalled or made to fail.

/** The simulated product: a sequence number and a send time, and a command whose `n` numbers it per device. */
export const simServices = [
  {
    service_id: 'Sim',
    service_type: 'Sim',
    properties: [
      { property_name: 'seq', data_type: 'int', min: '0', max: '2147483647', method: 'R' },
      { property_name: 't', data_type: 'long', method: 'R' },
    ],
    commands: [
      {
        command_name: 'PING',
        paras: [{ para_name: 'n', data_type: 'int', min: '0', max: '2147483647', required: true }],
      },
    ],
  },
];

/** How the HTTP push endpoint behaves: answers, answers 500, or takes the request and never answers. */
export type HttpMode = 'ok' | 'fail' | 'hang';

const rules = [
  {
    subject: { resource: 'device.property', event: 'report' },
    select:
      "notify_data.header.device_id AS d, GET_SERVICE_PROPERTIES('Sim').seq AS s, GET_SERVICE_PROPERTIES('Sim').t AS t",
  },
  {
    subject: { resource: 'device.message', event: 'report' },
    select:
      'notify_data.header.device_id AS d, notify_data.body.content.seq AS s, notify_data.body.content.t AS t',
  },
];

export class Application {
  readonly amqp = new Ledger();
  readonly http = new Ledger();
  /** Commands the platform accepted, per device, by `n`. */
  readonly commandsAcked = new Map<string, SeqSet>();
  commandsSent = 0;
  /** Commands the API did not accept, by status and IoTDA error code. */
  readonly commandRefusals = new Map<string, number>();
  httpMode: HttpMode = 'ok';
  httpRefused = 0;
  /** Why the AMQP connection failed or closed, each reason once with its count. */
  readonly amqpErrors = new Map<string, number>();
  /** Device publish to AMQP receipt, ms, since the last `takeLatencies`. */
  private latencies: number[] = [];
  private connection?: Connection;
  private consuming = false;
  private server?: Server;
  private readonly hung: ServerResponse[] = [];
  private readonly ruleIds: string[] = [];
  private commanding = false;
  private commanders: Promise<void>[] = [];

  private constructor(
    private readonly t: Target,
    private readonly amqpPort: number,
    readonly queue: string,
    private readonly queueId: string,
    private readonly code: { access_key: string; access_code: string },
  ) {}

  /**
   * Creates the queue `queue`, an access code and the forwarding rules (to the queue; to an HTTP server of this process when
   * `http`); then consumes the queue.
   */
  static async start(t: Target, amqpPort: number, queue: string, http = false): Promise<Application> {
    const created = await must(call(t, 'POST', '/amqp-queues', { queue_name: queue }), 'queue');
    const queueId = (JSON.parse(created.body) as { queue_id: string }).queue_id;
    const code = JSON.parse(
      (await must(call(t, 'POST', '/auth/accesscode', {}), 'access code')).body,
    ) as Application['code'];
    const app = new Application(t, amqpPort, queue, queueId, code);
    const channels: Record<string, unknown>[] = [
      { channel: 'AMQP_FORWARDING', channel_detail: { amqp_forwarding: { queue_name: queue } } },
    ];
    if (http) {
      app.server = createServer((req, res) => app.pushed(req, res));
      await new Promise<void>((r) => app.server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
      channels.push({ channel: 'HTTP_FORWARDING', channel_detail: { http_forwarding: { url } } });
    }
    for (const rule of rules) {
      const created = await must(call(t, 'POST', '/routing-rule/rules', rule), 'rule');
      const ruleId = (JSON.parse(created.body) as { rule_id: string }).rule_id;
      app.ruleIds.push(ruleId);
      for (const channel of channels)
        await must(call(t, 'POST', '/routing-rule/actions', { rule_id: ruleId, ...channel }), 'action');
      await must(call(t, 'PUT', `/routing-rule/rules/${ruleId}`, { active: true }), 'activate');
    }
    app.consume();
    return app;
  }

  takeLatencies(): Percentiles {
    const taken = this.latencies;
    this.latencies = [];
    return percentiles(taken);
  }

  /** Stops taking messages from the queue (the connection closes); `consume` starts again. */
  stall(): void {
    this.consuming = false;
    this.connection?.close();
  }

  consume(): void {
    this.consuming = true;
    this.open();
  }

  /** Sends asynchronous commands (`delay`: queued until each is answered) to `devices` at `rate` a second. */
  command(devices: readonly string[], rate: number): void {
    this.commanding = true;
    const numbers = new Map<string, number>();
    const start = performance.now();
    let i = 0;
    const worker = async () => {
      while (this.commanding) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const device = devices[i++ % devices.length]!;
        const n = (numbers.get(device) ?? 0) + 1;
        numbers.set(device, n);
        this.commandsSent++;
        const res = await call(this.t, 'POST', `/devices/${device}/async-commands`, {
          service_id: 'Sim',
          command_name: 'PING',
          paras: { n },
          send_strategy: 'delay',
          expire_time: 3_600,
        }).catch(() => ({ status: 0, body: '' }));
        if (res.status !== 200 && res.status !== 201) {
          const code = /"error_code":"([^"]+)"/.exec(res.body)?.[1] ?? '';
          const key = `${res.status} ${code}`.trim();
          this.commandRefusals.set(key, (this.commandRefusals.get(key) ?? 0) + 1);
        } else {
          let set = this.commandsAcked.get(device);
          if (!set) this.commandsAcked.set(device, (set = new SeqSet()));
          set.add(n);
        }
      }
    };
    this.commanders = Array.from({ length: 4 }, worker);
  }

  async stopCommands(): Promise<void> {
    this.commanding = false;
    await Promise.all(this.commanders);
  }

  get commandsAckedCount(): number {
    let n = 0;
    for (const set of this.commandsAcked.values()) n += set.size;
    return n;
  }

  async stop(): Promise<void> {
    await this.stopCommands();
    this.consuming = false;
    this.connection?.close();
    this.hung.forEach((res) => res.destroy());
    this.server?.close();
    this.server?.closeAllConnections();
    // What is left in the queue goes with it: FerretDB scans the whole collection on every read of any queue.
    for (const id of this.ruleIds) await call(this.t, 'DELETE', `/routing-rule/rules/${id}`);
    await must(call(this.t, 'DELETE', `/amqp-queues/${this.queueId}`), 'delete queue');
  }

  private open(): void {
    const container = create_container();
    const connection = container.connect({
      host: '127.0.0.1',
      port: this.amqpPort,
      hostname: 'default',
      username: `accessKey=${this.code.access_key}|timestamp=${Date.now()}|`,
      password: this.code.access_code,
      reconnect: false,
      idle_time_out: 10_000,
    });
    this.connection = connection;
    connection.open_receiver({ source: this.queue, credit_window: 500 });
    container.on('message', (ctx: EventContext) => {
      const body = ctx.message!.body as unknown;
      try {
        const text = Buffer.isBuffer(body) ? body.toString() : (body as string);
        const { d, s, t } = JSON.parse(text) as { d: string; s: number; t?: number };
        this.amqp.record(d, s);
        if (t !== undefined && this.latencies.length < 200_000) this.latencies.push(Date.now() - t);
      } catch (error) {
        const reason = `unreadable message: ${(error as Error).message}`;
        this.amqpErrors.set(reason, (this.amqpErrors.get(reason) ?? 0) + 1);
      }
    });
    // The amqp-push instance went away, or refused us: connect again, as IoTDA's sample applications do.
    container.on('disconnected', (ctx: EventContext) => {
      if (this.consuming) failed(ctx);
      if (this.connection === connection && this.consuming) setTimeout(() => this.open(), 1_000).unref();
    });
    const failed = (ctx: EventContext & { error?: unknown }) => {
      const raw: unknown = ctx.error ?? ctx.receiver?.error ?? ctx.connection?.error;
      const e = raw as { condition?: string; description?: string; message?: string } | undefined;
      const reason = e?.condition ? `${e.condition}: ${e.description}` : (e?.message ?? 'disconnected');
      this.amqpErrors.set(reason, (this.amqpErrors.get(reason) ?? 0) + 1);
    };
    container.on('connection_error', (ctx: EventContext) => (failed(ctx), connection.close()));
    container.on('receiver_error', (ctx: EventContext) => (failed(ctx), connection.close()));
    container.on('error', failed as never);
  }

  private pushed(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      if (this.httpMode === 'hang') return void this.hung.push(res);
      if (this.httpMode === 'fail') {
        this.httpRefused++;
        res.statusCode = 500;
        return void res.end();
      }
      const { d, s } = JSON.parse(text) as { d: string; s: number };
      this.http.record(d, s);
      res.end();
    });
  }
}

async function must(
  pending: Promise<{ status: number; body: string }>,
  what: string,
): Promise<{ status: number; body: string }> {
  const res = await pending;
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.body}`);
  return res;
}
