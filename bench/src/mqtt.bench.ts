import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultStartupMs } from '@nidus/messaging-memory';
import { register } from './bench-devices';
import { meterReport } from './meter-product';
import type { DeviceLogin, LoadPlan, LoadResult } from './mqtt-load';
import { agent, distributed, embedded, stopped } from './nidus-target';
import { rssMb, runLoad } from './run-load';
import { freePorts } from '@nidus/testing';

// MQTT device access under load (issue 4): IoTDA devices (real CONNECT with the HMAC password, QoS 1 property
// reports of ~200 bytes) against Nidus, and the same load against Mosquitto (apt, anonymous, loopback) in the same
// run. The server is pinned to CPU 0 and the load generator (bench/src/mqtt-load.ts, its own process) to CPU 1.
// Phases: peak throughput (every connection keeps `window` publishes in flight), latency at half that peak, and
// (Nidus) many idle authenticated connections: connect rate and resident memory.
// Usage: npm run bench:mqtt [-- devices=200 window=8 seconds=10 connections=18000 connect_rate=2000
//                               shapes=embedded,distributed services=api,device-registry,shadow,mqtt-gateway/all]
// `services`: embedded runs one after the other, each with its NIDUS_SERVICES ('all': every service), to measure what a
// service costs the uplink in one run.

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const devices = Number(args['devices'] ?? 200);
const window = Number(args['window'] ?? 8);
const seconds = Number(args['seconds'] ?? 10);
const connections = Number(args['connections'] ?? 18_000);
const connectRate = Number(args['connect_rate'] ?? 2_000);
const shapes = (args['shapes'] ?? 'embedded,distributed').split(',');
const serviceSets = (args['services'] ?? 'all').split('/');
const work = mkdtempSync(join(tmpdir(), 'nidus-bench-mqtt-'));
const serverCpu = '0';
const loadCpu = '1';

const load = (plan: LoadPlan) => runLoad(plan, work, loadCpu);

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

function printRow(name: string, r: LoadResult): void {
  console.log(
    `  ${name.padEnd(44)} ${fmt(r.perSecond)} acked/s   p50 ${fmt(r.p50Ms, 1)} ms   p99 ${fmt(r.p99Ms, 1)} ms   server CPU ${fmt((r.serverCpuMs * 1000) / Math.max(1, r.acked))} µs/publish`,
  );
}

function loggedIn(name: string, r: LoadResult, devices: number): void {
  if (r.connected !== devices)
    console.log(`  ${name}: only ${r.connected} of ${devices} devices logged in (${r.refused} refused)`);
}

/** Peak, then half-peak latency, for one server (process `serverPid`); returns the peak rate. */
async function throughput(
  name: string,
  logins: DeviceLogin[],
  port: number,
  serverPid: number,
): Promise<number> {
  // Devices log in at 200/s, as after a gateway restart with backoff: the measurement starts once all are in.
  const base = {
    port,
    serverPid,
    devices: logins,
    payload: meterReport,
    warmupS: 2,
    durationS: seconds,
    connectRate: 200,
  };
  const peak = await load({ ...base, mode: 'throughput', window });
  if (peak.connected === 0) throw new Error(`${name}: no device connected, ${peak.refused} refused`);
  loggedIn(name, peak, logins.length);
  printRow(`${name}: peak, ${peak.connected} devices × ${window} in flight`, peak);
  const half = await load({ ...base, mode: 'rate', rate: Math.round(peak.perSecond / 2) });
  loggedIn(name, half, logins.length);
  printRow(`${name}: at half the peak (${Math.round(peak.perSecond / 2)}/s offered)`, half);
  return peak.perSecond;
}

/** Many idle connections offered at `connectRate` (each logged in and holding its connection): rate, memory, CPU. */
async function idleConnections(
  name: string,
  logins: DeviceLogin[],
  port: number,
  pid: number,
  rssBeforeMb: number,
): Promise<void> {
  const held = await load({
    port,
    devices: logins,
    payload: meterReport,
    mode: 'connect',
    connectRate,
    holdS: 5,
    serverPid: pid,
  });
  const kib = ((held.maxRssMb - rssBeforeMb) * 1024) / Math.max(1, held.connected);
  console.log(
    `  ${`${name}${held.connected} idle connections (${held.refused} refused, ${held.lost} lost)`.padEnd(44)} ${fmt(held.connected / held.connectSeconds)} connects/s   RSS ${fmt(rssBeforeMb)} → ${fmt(held.maxRssMb)} MB (${kib.toFixed(1)} KiB each)   server CPU ${fmt((held.serverCpuMs * 1000) / Math.max(1, held.connected))} µs/login`,
    `\n  ${''.padEnd(44)} CONNACK p50 ${fmt(held.connectP50Ms, 1)} ms   p99 ${fmt(held.connectP99Ms, 1)} ms   all offered in ${held.offeredSeconds.toFixed(1)} s`,
  );
}

async function mosquitto(): Promise<number> {
  const port = await freePorts(1);
  const conf = join(work, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  const child: ChildProcess = spawn('taskset', ['-c', serverCpu, 'mosquitto', '-c', conf], {
    stdio: 'ignore',
  });
  await sleep(500);
  try {
    const logins = Array.from({ length: devices }, (_, i) => ({
      clientId: `bench-${i}`,
      topic: `$oc/devices/bench-${i}/sys/properties/report`,
    }));
    const peak = await throughput('Mosquitto 2 (reference)', logins, port, child.pid!); // taskset execs mosquitto
    if (connections > 0) {
      const idle = Array.from({ length: connections }, (_, i) => ({ clientId: `idle-${i}`, topic: 'idle' }));
      await idleConnections('Mosquitto 2 (reference): ', idle, port, child.pid!, rssMb(child.pid!));
    }
    return peak;
  } finally {
    await stopped(child);
  }
}

const mqttEnv = (port: number) => ({
  MQTT_PORT: String(port),
  MQTTS_PORT: '0',
  MQTT_WS_PORT: '0',
  MQTT_CONNECTION_BYTES_PER_S: '0', // FC-4 would throttle a bench connection: it measures the gateway instead
});

async function nidus(shape: string, reference: number, services = 'all'): Promise<void> {
  const api = await freePorts(4);
  const mqtt = api + 3;
  const t =
    shape === 'distributed'
      ? await distributed(api, [
          {
            app: 'mqtt-gateway',
            env: { ...mqttEnv(mqtt), MQTT_GATEWAY_HTTP_PORT: String(api + 2), METRICS_PORT: '0' },
            cpus: serverCpu,
          },
        ])
      : await embedded(
          api,
          { ...mqttEnv(mqtt), ...(services === 'all' ? {} : { NIDUS_SERVICES: services }) },
          serverCpu,
        );
  const pid = 'pid' in t ? t.pid : t.pids[0]!;
  const started = Date.now();
  try {
    const running = services === 'all' ? '' : `, services ${services}`;
    console.log(`\nNidus, ${shape} shape (the gateway on CPU ${serverCpu}${running})`);
    const logins = await register(t, devices);
    // Steady state: the in-process bus keeps the tail of unconsumed topics while it starts (MemoryBusOptions).
    await sleep(Math.max(0, started + defaultStartupMs + 1_000 - Date.now()));
    const peak = await throughput(`Nidus ${shape}`, logins, mqtt, pid);
    console.log(`  ${'ratio to Mosquitto'.padEnd(44)} ${fmt(peak / reference, 2)}`);
    if (shape !== 'embedded' || connections === 0) return;
    const registering = Date.now();
    const idle = await register(t, connections, devices);
    const before = rssMb(pid);
    console.log(
      `  (${connections} devices registered in ${((Date.now() - registering) / 1000).toFixed(0)} s)`,
    );
    await idleConnections('', idle, mqtt, pid, before);
  } finally {
    await t.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  console.log(
    `bench:mqtt — ${devices} devices, ${window} QoS 1 publishes in flight each, ${seconds} s per phase`,
  );
  const reference = await mosquitto();
  for (const shape of shapes)
    if (shape === 'embedded') for (const services of serviceSets) await nidus(shape, reference, services);
    else await nidus(shape, reference);
  agent.destroy();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
