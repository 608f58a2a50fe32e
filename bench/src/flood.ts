import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs, runCheck } from './args';
import { register } from './bench-devices';
import { agent } from './nidus-target';
import { type Rig, distributedRig, embeddedRig, scrape } from './rigs';
import { Fleet, type Percentiles, sleep } from './sim/fleet';
import type { IntruderPlan, IntruderResult } from './sim/intruder';
import { simServices } from './sim/application';

// `npm run bench:flood` (issue 7, line 5): legitimate devices report at a steady rate while, from other addresses,
// an intruder process floods the gateways with CONNECTs that must fail (wrong passwords, unknown devices) and with
// bytes that are no MQTT. The devices' PUBACK p99 before and during the flood is compared: with the source guard on
// (the default settings), the flood may not make it more than twice as long, and no device may be refused or
// dropped. The same run with the guard off (MQTT_LOGIN_FAILURES_PER_MIN=0) shows what the guard is worth.
// On two cores the server, the devices and the intruder compete for CPU; the embedded run pins them apart.
// Arguments as key=value: shapes=embedded,distributed guard=on,off devices=100 rate=(100 embedded, 40 distributed)
// seconds=30 (each phase) sources=20 per-source=5 (connections at a time from each intruding address)
// flood-rate=2000,0 (attempts a second; 0: as fast as the gateways answer; one run each).

const args = parseArgs();
const shapes = (args['shapes'] ?? 'embedded,distributed').split(',') as Rig['shape'][];
const guards = (args['guard'] ?? 'on,off').split(',');
const devices = Number(args['devices'] ?? 100);
const seconds = Number(args['seconds'] ?? 30);
const sources = Number(args['sources'] ?? 20);
const perSource = Number(args['per-source'] ?? 5);
const floodRates = (args['flood-rate'] ?? '2000,0').split(',').map(Number);
const rateOf = (shape: Rig['shape']) => Number(args['rate'] ?? (shape === 'distributed' ? 40 : 100));

interface Outcome {
  readonly shape: Rig['shape'];
  readonly guard: string;
  /** The flood's rate asked for (0: as fast as the gateways answer). */
  readonly floodRate: number;
  readonly before: Percentiles;
  readonly during: Percentiles;
  readonly flood: IntruderResult;
  readonly blocked: number;
  readonly drops: number;
  readonly refusals: number;
}

function intrude(plan: IntruderPlan): Promise<IntruderResult> {
  // at the lowest priority: on this machine the intruder shares the server's cores, an attacker's would not
  const script = resolve(__dirname, 'sim', 'intruder.js');
  const child = spawn('nice', ['-n', '19', process.execPath, script, JSON.stringify(plan)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((done, fail) =>
    child.on('exit', (code) =>
      code === 0 ? done(JSON.parse(out) as IntruderResult) : fail(new Error(`intruder exited ${code}`)),
    ),
  );
}

/** Per flood rate: a baseline phase, then the flood (each from addresses of its own, 127.0.<n>.x). */
async function run(shape: Rig['shape'], guard: string): Promise<Outcome[]> {
  const env: Record<string, string> = guard === 'off' ? { MQTT_LOGIN_FAILURES_PER_MIN: '0' } : {};
  // The embedded process gets CPU 0, the devices and the intruder CPU 1: the flood's own work does not take the
  // server's CPU (an attacker's machine is not the server's). The distributed shape's seven processes share both.
  const rig = shape === 'distributed' ? await distributedRig(env) : await embeddedRig(env, '0');
  execFileSync('taskset', ['-a', '-cp', shape === 'distributed' ? '0,1' : '1', String(process.pid)]);
  const blockedSoFar = async () => {
    const gateways = [...rig.metrics].filter(([name]) => name.includes('gateway') || name === 'platform');
    const counts = await Promise.all(
      gateways.map(([, url]) =>
        scrape(url, 'nidus_gateway_connects_total', { outcome: ['source-blocked'] }).catch(() => 0),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  };
  const refusedSoFar = (fleet: Fleet) => [...fleet.refusals.values()].reduce((a, b) => a + b, 0);
  try {
    const logins = await register(rig.target, devices, 0, simServices);
    const fleet = new Fleet({ endpoints: rig.gateways, logins, rate: rateOf(shape), window: 16 });
    await fleet.connect();
    fleet.run();
    await sleep(10_000);
    const outcomes: Outcome[] = [];
    for (const [n, floodRate] of floodRates.entries()) {
      fleet.takeLatencies();
      await sleep(seconds * 1000);
      const before = fleet.takeLatencies();
      const [drops, refusals, blocked] = [fleet.drops, refusedSoFar(fleet), await blockedSoFar()];
      const flood = await intrude({
        host: '127.0.0.1',
        ports: rig.gateways.map((g) => g.port),
        subnet: 1 + n,
        sources,
        perSource,
        seconds,
        rate: floodRate,
        devices: logins.map((l) => l.username!),
      });
      const during = fleet.takeLatencies();
      outcomes.push({
        shape,
        guard,
        floodRate,
        before,
        during,
        flood,
        blocked: (await blockedSoFar()) - blocked,
        drops: fleet.drops - drops,
        refusals: refusedSoFar(fleet) - refusals,
      });
      console.log(JSON.stringify(outcomes.at(-1)));
    }
    fleet.stop();
    return outcomes;
  } finally {
    await rig.stop();
  }
}

async function main(): Promise<boolean> {
  console.log(
    `bench:flood — ${devices} devices; flood from ${sources} addresses × ${perSource} connections, ${seconds} s ` +
      `a phase; the devices' PUBACK p99 before and during it`,
  );
  const outcomes: Outcome[] = [];
  for (const shape of shapes) for (const guard of guards) outcomes.push(...(await run(shape, guard)));
  console.log(
    '\n| shape | source guard | reports/s | flood asked /s | flood attempts/s | CONNACK 4 | CONNACK 5 | closed, no CONNACK | refused ' +
      'as blocked | PUBACK p99 before ms | during ms | ratio | devices dropped / refused | verdict |',
  );
  console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  let failed = false;
  for (const o of outcomes) {
    const ratio = o.during.p99 / Math.max(o.before.p99, 0.001);
    const ok = ratio <= 2 && o.drops === 0 && o.refusals === 0;
    // a flood as fast as the server answers takes what CPU it has: shown, not judged
    const judged = o.guard === 'on' && o.floodRate > 0;
    if (judged) failed ||= !ok;
    console.log(
      `| ${o.shape} | ${o.guard} | ${rateOf(o.shape)} | ${o.floodRate || 'unbounded'} | ${o.flood.rate.toFixed(0)} | ${o.flood.connacks['4'] ?? 0} | ` +
        `${o.flood.connacks['5'] ?? 0} | ${o.flood.closedUnanswered} | ${o.blocked} | ${o.before.p99.toFixed(1)} | ` +
        `${o.during.p99.toFixed(1)} | ${ratio.toFixed(2)} | ${o.drops} / ${o.refusals} | ` +
        `${judged ? (ok ? 'pass' : 'FAIL') : 'reference'} |`,
    );
  }
  agent.destroy();
  return !failed;
}

runCheck(main);
