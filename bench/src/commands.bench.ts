import { type Socket, connect } from 'node:net';
import { type Packet, generate, parser } from 'mqtt-packet';
import { register } from './bench-devices';
import { type DeviceLogin, connectPacket, cpuMs } from './mqtt-load';
import { type Deployment, type Target, call, distributed, embedded } from './nidus-target';
import { freePorts } from '@nidus/testing';

// `npm run bench:commands` (issue 5): devices that answer commands, driven through the v5 API.
//   1. synchronous commands (POST …/commands) to `devices` connected devices at `rate` per second for `seconds`:
//      the API round trip (api → shadow → gateway → device → answer → API response), p50/p99, and what was answered;
//   2. `cached` asynchronous commands (delay) queued for offline devices (20 each), then the devices connect and
//      answer: how fast the queues drain (first connect to the last command answered).
// The server is pinned to CPU 0; run this process on CPU 1 (`taskset -c 1`, as the npm script does). Arguments as
// key=value: shapes=embedded,distributed devices=1000 rate=1000 seconds=10 cached=10000.

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const shapes = (args['shapes'] ?? 'embedded,distributed').split(',');
const deviceCount = Number(args['devices'] ?? 1_000);
const rate = Number(args['rate'] ?? 1_000);
const seconds = Number(args['seconds'] ?? 10);
const cached = Number(args['cached'] ?? 10_000);
const perDevice = 20; // the most cached commands a device may have (spec 05 §3.5.2)

/** A device on a raw socket that answers every command at once; counts what it answered. */
class AnsweringDevice {
  private readonly socket: Socket;
  answered = 0;
  readonly up: Promise<void>;

  constructor(port: number, login: DeviceLogin, onAnswer: () => void) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    const p = parser();
    let ready!: () => void;
    let failed!: (e: Error) => void;
    this.up = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
    const prefix = `$oc/devices/${login.username}/sys/commands/request_id=`;
    p.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connack') {
        if (packet.returnCode === 0) ready();
        else failed(new Error(`CONNACK ${packet.returnCode}`));
      } else if (packet.cmd === 'publish' && packet.topic.startsWith(prefix)) {
        const requestId = packet.topic.slice(prefix.length);
        this.socket.write(
          generate({
            cmd: 'publish',
            topic: `$oc/devices/${login.username}/sys/commands/response/request_id=${requestId}`,
            payload: Buffer.from('{"result_code":0,"response_name":"OK","paras":{"done":true}}'),
            qos: 0,
            retain: false,
            dup: false,
          }),
        );
        this.answered++;
        onAnswer();
      }
    });
    this.socket.on('data', (d: Buffer) => p.parse(d));
    this.socket.on('error', (e) => failed(e));
    this.socket.write(connectPacket(login));
  }

  end(): void {
    this.socket.destroy();
  }
}

/** A target and the processes it runs (both shapes start theirs through a Deployment). */
type Deployed = Target & { deployment: Deployment };

/** CPU time (user + system) the deployment's processes used so far, in ms. */
const serverCpuMs = ({ deployment: d }: Deployed) =>
  d.names().reduce((sum, name) => sum + cpuMs(d.pid(name)), 0);
/** `cpuMs` of the server per operation, in µs. */
const perOperation = (cpuMs: number, operations: number) =>
  `server CPU ${operations ? Math.round((cpuMs * 1000) / operations) : '-'} µs a command`;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function connectAll(
  port: number,
  logins: DeviceLogin[],
  onAnswer: () => void = () => undefined,
): Promise<AnsweringDevice[]> {
  const devices: AnsweringDevice[] = [];
  for (let i = 0; i < logins.length; i += 100) {
    const batch = logins.slice(i, i + 100).map((l) => new AnsweringDevice(port, l, onAnswer));
    await Promise.all(batch.map((d) => d.up));
    devices.push(...batch);
  }
  return devices;
}

/** Synchronous commands at `rate`/s, paced by the clock; latency of each API call. */
async function synchronous(t: Deployed, port: number): Promise<void> {
  const logins = await register(t, deviceCount);
  const devices = await connectAll(port, logins);
  // Until the shadow service has seen every device online (its status events arrive asynchronously).
  for (const l of logins)
    for (
      let i = 0;
      (await call(t, 'POST', `/devices/${l.username}/commands`, { paras: {} })).status === 409;
      i++
    )
      if (i > 100) throw new Error(`device ${l.username} never online for commands`);
      else await new Promise((r) => setTimeout(r, 50));
  const latencies: number[] = [];
  const failures = new Map<number, number>();
  const total = rate * seconds;
  const cpuAtStart = serverCpuMs(t);
  const start = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const login = logins[i % logins.length]!;
    const t0 = performance.now();
    calls.push(
      call(t, 'POST', `/devices/${login.username}/commands`, { paras: { n: i } }).then((res) => {
        if (res.status === 200) latencies.push(performance.now() - t0);
        else failures.set(res.status, (failures.get(res.status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(calls);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = serverCpuMs(t) - cpuAtStart;
  latencies.sort((a, b) => a - b);
  console.log(
    `  sync commands, ${deviceCount} devices, ${rate}/s offered for ${seconds} s: ${latencies.length} answered ` +
      `(${Math.round(latencies.length / elapsed)}/s)  p50 ${percentile(latencies, 0.5).toFixed(1)} ms  ` +
      `p99 ${percentile(latencies, 0.99).toFixed(1)} ms  ${perOperation(cpu, latencies.length)}` +
      (failures.size ? `  failed: ${JSON.stringify(Object.fromEntries(failures))}` : ''),
  );
  devices.forEach((d) => d.end());
}

/** `cached` asynchronous commands queued for offline devices, then drained when they connect. */
async function drain(t: Deployed, port: number): Promise<void> {
  const logins = await register(t, Math.ceil(cached / perDevice), 1_000_000);
  let next = 0;
  const queuedAt = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < cached) {
        const i = next++;
        const res = await call(t, 'POST', `/devices/${logins[i % logins.length]!.username}/async-commands`, {
          paras: { n: i },
          send_strategy: 'delay',
        });
        if (res.status !== 200) throw new Error(`async command: ${res.status} ${res.body}`);
      }
    }),
  );
  const queueSeconds = (performance.now() - queuedAt) / 1000;
  let answered = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const cpuAtStart = serverCpuMs(t);
  const start = performance.now();
  const devices = await connectAll(port, logins, () => {
    if (++answered === cached) done();
  });
  await Promise.race([all, new Promise((r) => setTimeout(r, 120_000))]);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = serverCpuMs(t) - cpuAtStart;
  console.log(
    `  ${cached} cached commands (${perDevice} per device) queued at ${Math.round(cached / queueSeconds)}/s; drained ` +
      `${answered} in ${elapsed.toFixed(1)} s after the devices connected: ${Math.round(answered / elapsed)}/s  ` +
      perOperation(cpu, answered),
  );
  devices.forEach((d) => d.end());
}

async function main(): Promise<void> {
  console.log(`bench:commands — ${deviceCount} answering devices, ${rate} sync commands/s, ${cached} cached`);
  for (const shape of shapes) {
    const port = await freePorts(4);
    const mqtt = port + 3;
    const mqttEnv = {
      MQTT_PORT: String(mqtt),
      MQTTS_PORT: '0',
      MQTT_WS_PORT: '0',
      MQTT_CONNECTION_BYTES_PER_S: '0',
    };
    const t =
      shape === 'embedded'
        ? await embedded(port, mqttEnv, '0')
        : await distributed(port, [
            { app: 'shadow', env: { SHADOW_HTTP_PORT: String(port + 2) }, cpus: '0' },
            { app: 'mqtt-gateway', env: { ...mqttEnv, MQTT_GATEWAY_HTTP_PORT: String(port + 4) }, cpus: '0' },
          ]);
    console.log(`Nidus ${shape}`);
    try {
      await synchronous(t, mqtt);
      if (cached > 0) await drain(t, mqtt);
    } finally {
      await t.stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
