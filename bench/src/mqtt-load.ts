import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { type Packet, generate, parser } from 'mqtt-packet';

// The MQTT load generator of `npm run bench:mqtt`, run as its own process (pinned apart from the server): lean
// device connections on raw sockets and mqtt-packet, so the generator costs little per message. It prints one
// JSON line of results on stdout. Configuration: the path of a JSON file holding a `LoadPlan`.

export interface DeviceLogin {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Where its property reports go. */
  readonly topic: string;
}

export interface LoadPlan {
  readonly port: number;
  readonly devices: readonly DeviceLogin[];
  /** `throughput`: each connection keeps `window` QoS 1 publishes in flight; `rate`: `rate` publishes/s in all. */
  readonly mode: 'throughput' | 'rate' | 'connect';
  readonly payload: string;
  /** A text in `payload` replaced at each publish by the time it is sent (ms since epoch, 3 decimals): end-to-end latency. */
  readonly stamp?: string;
  readonly window?: number;
  readonly rate?: number;
  readonly warmupS?: number;
  readonly durationS?: number;
  /** connect mode: new connections per second, and how long to hold them once all are up. */
  readonly connectRate?: number;
  readonly holdS?: number;
  /** The server's process: its CPU time is read while the generator measures (from /proc, so Linux only). */
  readonly serverPid?: number;
}

export interface LoadResult {
  readonly acked: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly connected: number;
  readonly refused: number;
  /** Connections closed before any CONNACK. */
  readonly lost: number;
  readonly connectSeconds: number;
  /** When the last CONNECT was offered, in s from the first: above what the rate asks, the generator fell behind. */
  readonly offeredSeconds: number;
  /** CONNECT → CONNACK of the answered devices. */
  readonly connectP50Ms: number;
  readonly connectP99Ms: number;
  /** CPU time the server used during the measurement (connect mode: until every device was answered), in ms. */
  readonly serverCpuMs: number;
}

/**
 * User + system CPU time of a process in ms (/proc/<pid>/stat fields 14 and 15, in ticks of 10 ms). On this shared VM
 * rates swing with the neighbours' load; CPU time per operation much less.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The MQTT 3.1.1 CONNECT of a bench device (keepalive 1200 s by default, as the IoTDA SDKs'). */
export function connectPacket(login: DeviceLogin, keepaliveS = 1200): Buffer {
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: keepaliveS,
    clientId: login.clientId,
    ...(login.username ? { username: login.username } : {}),
    ...(login.password ? { password: Buffer.from(login.password) } : {}),
  });
}

/**
 * Devices connect from four loopback addresses in turn. From one address, Linux's choice of a free ephemeral port for
 * connect() slows down past ~12 000 connections (connect takes the even half of 32768–60999 first): the generator
 * then offered 18 000 logins at 1 500/s instead of 2 000/s, to Mosquitto as to Nidus, and 1 % waited 2–4 s.
 */
const sourceOf = (index: number) => `127.0.1.${1 + (index % 4)}`;

class Device {
  readonly socket: Socket;
  readonly inflight = new Map<number, bigint>();
  private nextId = 1;
  connected = false;
  answered = false;
  readonly startedAt = process.hrtime.bigint();

  constructor(
    private readonly plan: LoadPlan,
    readonly login: DeviceLogin,
    index: number,
    private readonly onPacket: (d: Device, p: Packet) => void,
    onLost: (d: Device) => void,
  ) {
    this.socket = connect({ port: plan.port, host: '127.0.0.1', localAddress: sourceOf(index) });
    this.socket.setNoDelay(true);
    const p = parser();
    p.on('packet', (packet) => onPacket(this, packet));
    p.on('error', () => this.socket.destroy());
    this.socket.on('data', (d: Buffer) => p.parse(d));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => onLost(this));
    this.socket.write(connectPacket(login));
  }

  publish(payload: Buffer): void {
    const messageId = this.nextId;
    this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    this.inflight.set(messageId, process.hrtime.bigint());
    this.socket.write(
      generate({
        cmd: 'publish',
        topic: this.login.topic,
        payload,
        qos: 1,
        messageId,
        retain: false,
        dup: false,
      }),
    );
  }
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const fixed = Buffer.from(plan.payload);
  const stamp = plan.stamp;
  const payload = stamp
    ? () => Buffer.from(plan.payload.replace(stamp, (performance.timeOrigin + performance.now()).toFixed(3)))
    : () => fixed;
  const latencies: number[] = [];
  const connectLatencies: number[] = [];
  let measuring = false;
  let acked = 0;
  let connected = 0;
  let refused = 0;
  let allConnected!: () => void;
  const everyoneIn = new Promise<void>((r) => (allConnected = r));
  const window = plan.window ?? 1;
  const settle = () => connected + refused + lost === plan.devices.length && allConnected();

  const onPacket = (d: Device, p: Packet) => {
    if (p.cmd === 'connack') {
      d.answered = true;
      connectLatencies.push(Number(process.hrtime.bigint() - d.startedAt) / 1e6);
      if (p.returnCode === 0) {
        d.connected = true;
        connected++;
        if (plan.mode === 'throughput') for (let i = 0; i < window; i++) d.publish(payload());
      } else refused++;
      settle();
    } else if (p.cmd === 'puback') {
      const t0 = d.inflight.get(p.messageId!);
      if (t0 === undefined) return;
      d.inflight.delete(p.messageId!);
      if (measuring) {
        acked++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      if (plan.mode === 'throughput' && running) d.publish(payload());
    }
  };

  let lost = 0;
  const onLost = (d: Device) => {
    if (d.answered || !running) return;
    d.answered = true;
    lost++;
    settle();
  };

  let running = true;
  const devices: Device[] = [];
  const connectStart = process.hrtime.bigint();
  let serverCpuMs = -cpuMs(plan.serverPid);
  // Paced by the clock, not by counting ticks: a timer fires late under load, and the offered rate would drop with it.
  while (devices.length < plan.devices.length) {
    const elapsedS = Number(process.hrtime.bigint() - connectStart) / 1e9;
    const due = plan.connectRate ? Math.ceil(plan.connectRate * elapsedS) : plan.devices.length;
    for (const login of plan.devices.slice(devices.length, Math.max(due, devices.length + 1)))
      devices.push(new Device(plan, login, devices.length, onPacket, onLost));
    if (plan.connectRate) await sleep(5);
  }
  const offeredSeconds = Number(process.hrtime.bigint() - connectStart) / 1e9;
  await Promise.race([everyoneIn, sleep(120_000)]);
  const connectSeconds = Number(process.hrtime.bigint() - connectStart) / 1e9;
  if (plan.mode === 'connect') serverCpuMs += cpuMs(plan.serverPid);

  let seconds = 0;
  if (plan.mode === 'connect') await sleep((plan.holdS ?? 5) * 1000);
  else {
    let ticker: NodeJS.Timeout | undefined;
    // Every 10 ms, rate/100 publishes round-robin over the connections (at most 64 in flight on each).
    const live = plan.mode === 'rate' ? devices.filter((d) => d.connected) : [];
    if (live.length > 0) {
      let next = 0;
      let owed = 0;
      ticker = setInterval(() => {
        owed += plan.rate! / 100;
        for (; owed >= 1; owed--) {
          const d = live[next++ % live.length]!;
          if (d.inflight.size < 64) d.publish(payload());
        }
      }, 10);
    }
    await sleep((plan.warmupS ?? 2) * 1000);
    measuring = true;
    serverCpuMs = -cpuMs(plan.serverPid);
    const started = process.hrtime.bigint();
    await sleep((plan.durationS ?? 10) * 1000);
    measuring = false;
    serverCpuMs += cpuMs(plan.serverPid);
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    running = false;
    clearInterval(ticker);
  }
  for (const d of devices) d.socket.destroy();
  const pct = percentiles(latencies);
  const connectPct = percentiles(connectLatencies);
  return {
    acked,
    seconds,
    perSecond: seconds > 0 ? acked / seconds : 0,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    connectP50Ms: connectPct(0.5),
    connectP99Ms: connectPct(0.99),
    offeredSeconds,
    connected,
    refused,
    lost,
    connectSeconds,
    serverCpuMs,
  };
}

function percentiles(values: number[]): (p: number) => number {
  values.sort((a, b) => a - b);
  return (p) => values[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (require.main === module)
  void run(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadPlan).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
