import type { DeviceLogin } from '../mqtt-load';
import { Ledger, type SeqSet } from './seq-set';
import { type DeviceEvents, type Endpoint, SimDevice } from './sim-device';

// A fleet of simulated devices (sim-device.ts) at a steady offered rate, and what they saw: acks, refusals, drops,
// reconnect times, PUBACK latency, and the commands that reached them (counted per device by the number in `paras.n`).

export interface FleetOptions {
  readonly endpoints: readonly Endpoint[];
  readonly logins: readonly DeviceLogin[];
  /** Reports a second, all devices together. */
  readonly rate: number;
  /** The share of them sent as device messages (sys/messages/up) rather than property reports. */
  readonly messageShare?: number;
  /** Unacknowledged publishes a device may have; when it has as many, its turn is skipped (counted `deferred`). */
  readonly window?: number;
  /** New connections a second while the fleet comes up. */
  readonly connectRate?: number;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = values.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

export class Fleet implements DeviceEvents {
  readonly devices: SimDevice[];
  readonly commands = new Ledger();
  ackCount = 0;
  connects = 0;
  drops = 0;
  deferred = 0;
  readonly refusals = new Map<number, number>();
  /** The longest a device was without a connection before it had one again (ms). */
  longestOutageMs = 0;
  private latencies: number[] = [];
  private reconnects: number[] = [];
  private ticker?: NodeJS.Timeout;
  private pinger?: NodeJS.Timeout;
  private paused = false;

  constructor(private readonly options: FleetOptions) {
    this.devices = options.logins.map((l, i) => new SimDevice(l, options.endpoints, this, i));
  }

  get sent(): number {
    return this.devices.reduce((n, d) => n + d.sent, 0);
  }

  get online(): number {
    return this.devices.reduce((n, d) => n + (d.connected ? 1 : 0), 0);
  }

  /** Connects every device (at `connectRate` a second); resolves once all are online, or rejects after `timeoutMs`. */
  async connect(timeoutMs = 120_000): Promise<void> {
    const perTick = Math.max(1, Math.round((this.options.connectRate ?? 500) / 20));
    for (let i = 0; i < this.devices.length; i += perTick) {
      this.devices.slice(i, i + perTick).forEach((d) => d.start());
      await sleep(50);
    }
    this.pinger = setInterval(() => {
      const now = Date.now();
      this.devices.forEach((d) => d.keepAlive(now));
    }, 5_000);
    const deadline = Date.now() + timeoutMs;
    while (this.online < this.devices.length) {
      if (Date.now() > deadline)
        throw new Error(`${this.online} of ${this.devices.length} devices online after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Starts reporting at the offered rate, round robin over the devices. */
  run(): void {
    const window = this.options.window ?? 16;
    const share = this.options.messageShare ?? 0;
    let owed = 0;
    let next = 0;
    let last = performance.now();
    // Paced by the clock, not by counting ticks: a timer fires late under load, and the offered rate would drop with it.
    this.ticker = setInterval(() => {
      const now = performance.now();
      owed += (this.options.rate * (now - last)) / 1000;
      last = now;
      if (this.paused) return void (owed = 0);
      for (; owed >= 1; owed--) {
        const d = this.devices[next++ % this.devices.length]!;
        if (d.inflightCount >= window) this.deferred++;
        else d.report(Math.random() < share);
      }
    }, 10);
  }

  /** Stops offering new reports (what is in flight still completes). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Every device has no unacknowledged report left, or `timeoutMs` passed; true in the first case. */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.devices.some((d) => d.inflightCount > 0)) {
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  stop(): void {
    clearInterval(this.ticker);
    clearInterval(this.pinger);
    this.devices.forEach((d) => d.stop());
  }

  /** Each device's acknowledged numbers. */
  ackedByDevice(): Map<string, SeqSet> {
    return new Map(this.devices.map((d) => [d.id, d.acked]));
  }

  /** PUBACK latencies since the last call. */
  takeLatencies(): Percentiles {
    const taken = this.latencies;
    this.latencies = [];
    return percentiles(taken);
  }

  /** Times from a dropped connection to the next CONNACK since the last call. */
  takeReconnects(): Percentiles {
    const taken = this.reconnects;
    this.reconnects = [];
    return percentiles(taken);
  }

  connected(_d: SimDevice, afterMs: number | undefined): void {
    this.connects++;
    if (afterMs !== undefined) {
      this.reconnects.push(afterMs);
      this.longestOutageMs = Math.max(this.longestOutageMs, afterMs);
    }
  }

  refused(_d: SimDevice, code: number): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }

  dropped(): void {
    this.drops++;
  }

  acked(_d: SimDevice, _seq: number, latencyMs: number): void {
    this.ackCount++;
    if (this.latencies.length < 200_000) this.latencies.push(latencyMs);
  }

  command(d: SimDevice, n: number | undefined): void {
    if (n !== undefined) this.commands.record(d.id, n);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `left` is 0, or it made no progress for 90 s, or `timeoutMs` passed. After a long broker outage a Kafka
 * consumer group takes a while to form again (sessions of the old members expire, kafkajs backs off), and nothing moves
 * meanwhile: a shorter patience would count as lost what is only late.
 */
export async function draining(left: () => number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = left();
  let progressAt = Date.now();
  while (last > 0 && Date.now() < deadline && Date.now() - progressAt < 90_000) {
    await sleep(500);
    const now = left();
    if (now < last) progressAt = Date.now();
    last = now;
  }
}
