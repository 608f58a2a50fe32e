import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from './args';
import { agent } from './nidus-target';
import { type Rig, distributedRig, embeddedRig } from './rigs';
import type { HttpMode } from './sim/application';
import { sleep } from './sim/fleet';
import { type Row, type Scenario, trial } from './faults/trial';

// `npm run test:faults` (issue 7): each scenario under load from simulated IoTDA devices (bench/src/sim), with a
// fault injected and healed without manual action, then a table: sent, acked, delivered to the application,
// lost after the ack, duplicates, reordered, and how long the flow took to recover. It fails when any acknowledged
// report or accepted command is lost. All servers run on 127.0.0.1 (tools/infra for Kafka, FerretDB and Redis).
// Arguments as key=value: scenarios=all (or a comma list of the ids below, or `quick`: the CI subset),
// devices=100 rate=(40 distributed, 200 embedded: the distributed shape's AMQP path is FerretDB's pace here) warm=5 after=10 drain=300 (the most it waits for what was acked, while it still arrives).

const args = parseArgs();
const options = {
  devices: Number(args['devices'] ?? 100),
  warmS: Number(args['warm'] ?? 5),
  afterS: Number(args['after'] ?? 10),
  drainS: Number(args['drain'] ?? 300),
};
const rateOf = (shape: Rig['shape']) => Number(args['rate'] ?? (shape === 'distributed' ? 40 : 200));
const infraScript = resolve(__dirname, '..', '..', '..', '..', 'tools', 'infra', 'infra.sh');

/** Stops one of tools/infra's servers and starts it again after `downMs` (its data stays). */
async function restartInfra(service: 'kafka' | 'redis' | 'mongo', downMs = 0): Promise<void> {
  await promisify(execFile)('bash', [infraScript, 'down', service]);
  await sleep(downMs);
  await promisify(execFile)('bash', [infraScript, 'up', service], { timeout: 180_000 });
}

async function crash(rig: Rig, app: string, downMs: number): Promise<void> {
  await rig.deployment.kill(app, 'SIGKILL');
  await sleep(downMs);
  await rig.deployment.restart(app);
}

/** The HTTP push endpoint behaves as `mode` for 10 s, then answers again; deliveries counted there. */
function endpointFails(mode: HttpMode, name: string): Scenario {
  return {
    name,
    shapes: ['distributed'],
    http: true,
    inject: async ({ app }) => {
      app.httpMode = mode;
      await sleep(10_000);
      app.httpMode = 'ok';
    },
  };
}

const scenarios: Record<string, Scenario> = {
  baseline: {
    name: 'no fault',
    shapes: ['distributed', 'embedded'],
    inject: async () => undefined,
  },
  'gateway-kill': {
    name: 'kill -9 one of two mqtt-gateways',
    shapes: ['distributed'],
    inject: ({ rig }) => crash(rig, 'mqtt-gateway-a', 5_000),
  },
  kafka: {
    name: 'restart the Kafka broker',
    shapes: ['distributed'],
    inject: () => restartInfra('kafka'),
  },
  'kafka-long': {
    name: 'Kafka broker down for 60 s',
    shapes: ['distributed'],
    inject: () => restartInfra('kafka', 60_000),
  },
  redis: {
    name: 'restart Redis (no persistence)',
    shapes: ['distributed'],
    commands: true,
    inject: () => restartInfra('redis'),
  },
  mongo: {
    name: 'restart FerretDB',
    shapes: ['distributed'],
    inject: () => restartInfra('mongo'),
  },
  shadow: {
    name: 'kill -9 shadow, commands queued',
    shapes: ['distributed'],
    commands: true,
    inject: ({ rig }) => crash(rig, 'shadow', 3_000),
  },
  'amqp-stall': {
    name: 'AMQP consumer away for 20 s',
    shapes: ['distributed', 'embedded'],
    inject: async ({ app }) => {
      app.stall();
      await sleep(20_000);
      app.consume();
    },
  },
  'amqp-cap': {
    name: 'AMQP consumer away 30 s, its queue over the project cap (64 KB)',
    shapes: ['distributed', 'embedded'],
    env: { AMQP_PROJECT_CAP_BYTES: String(64 * 1024), AMQP_SWEEP_S: '1' },
    inject: async ({ app }) => {
      app.stall();
      await sleep(30_000);
      app.consume();
    },
  },
  'http-500': endpointFails('fail', 'HTTP push endpoint answers 500 for 10 s'),
  'http-hang': endpointFails('hang', 'HTTP push endpoint hangs for 10 s'),
  'process-kill': {
    name: 'kill -9 the embedded process (file-backed store)',
    shapes: ['embedded'],
    commands: true,
    inject: ({ rig }) => crash(rig, 'platform', 1_000),
  },
};
/** The CI subset: a few minutes. */
const quick = ['gateway-kill', 'shadow', 'process-kill'];

function table(rows: readonly Row[]): string {
  const head = [
    'scenario',
    'sent',
    'acked',
    'delivered',
    'dropped by rule',
    'lost after ack',
    'duplicates',
    'reordered',
    'recovery s',
    'peak RSS MB',
  ];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.sent),
    String(r.acked),
    String(r.delivered),
    String(r.dropped),
    String(r.lostAfterAck),
    String(r.duplicates),
    String(r.reordered),
    r.recoveryS === undefined ? '' : Number.isNaN(r.recoveryS) ? 'not in the run' : r.recoveryS.toFixed(1),
    r.peakRss ? `${r.peakRss.mb.toFixed(0)} (${r.peakRss.name})` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    `| ${c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w, i) => (i === 0 ? '-' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

/** One scenario's rows; what failed is added to `failures`. */
async function attempt(
  rig: Rig,
  shape: Rig['shape'],
  scenario: Scenario,
  failures: string[],
): Promise<Row[]> {
  const label = { ...scenario, name: `${shape}: ${scenario.name}` };
  try {
    const got = await trial(rig, label, { ...options, rate: rateOf(shape) });
    got.forEach((r) => console.log(table([r]).split('\n')[2], r.note ?? ''));
    for (const r of got)
      if (r.lostAfterAck > 0) failures.push(`${r.scenario}: ${r.lostAfterAck} lost after ack`);
    return got;
  } catch (error) {
    failures.push(`${label.name}: ${(error as Error).message}`);
    console.error(`${label.name} failed:`, error);
    return [];
  }
}

async function main(): Promise<void> {
  const wanted = args['scenarios'] ?? 'all';
  const ids = wanted
    .split(',')
    .flatMap((id) => (id === 'all' ? Object.keys(scenarios) : id === 'quick' ? quick : [id]));
  for (const id of ids)
    if (!scenarios[id]) throw new Error(`no scenario ${id} (${Object.keys(scenarios).join(', ')})`);
  const shapes = (args['shapes'] ?? 'distributed,embedded').split(',') as Rig['shape'][];
  console.log(
    `test:faults — ${options.devices} devices, reports/s ${rateOf('distributed')} distributed, ` +
      `${rateOf('embedded')} embedded (20 % messages), warm-up ${options.warmS} s, ` +
      `${options.afterS} s after each fault`,
  );
  const rows: Row[] = [];
  const failures: string[] = [];
  let passed = 0;
  for (const shape of shapes) {
    const mine = ids.filter((id) => scenarios[id]!.shapes.includes(shape));
    // scenarios with settings of their own run on a deployment of their own
    const deployments = new Map<string, string[]>();
    for (const id of mine) {
      const key = JSON.stringify(scenarios[id]!.env ?? {});
      deployments.set(key, [...(deployments.get(key) ?? []), id]);
    }
    for (const [env, group] of deployments) {
      const settings = JSON.parse(env) as Record<string, string>;
      const rig = shape === 'distributed' ? await distributedRig(settings) : await embeddedRig(settings);
      try {
        for (const id of group) {
          const got = await attempt(rig, shape, scenarios[id]!, failures);
          rows.push(...got);
          passed += got.filter((r) => r.lostAfterAck === 0).length;
        }
      } finally {
        await rig.stop();
      }
    }
  }
  console.log(`\n${table(rows)}\n`);
  if (failures.length) {
    console.log(`FAILED:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exitCode = 1;
  } else console.log('passed: nothing acknowledged was lost');
  // Counted with the Jest tiers' results in `npm test`'s closing line (tools/test-summary.mjs): a row is a test.
  const results = process.env['NIDUS_TEST_RESULTS'];
  if (results)
    writeFileSync(
      join(results, 'faults.json'),
      JSON.stringify({
        numPassedTests: passed,
        numFailedTests: failures.length,
        numPendingTests: 0,
        numRuntimeErrorTestSuites: 0,
      }),
    );
  agent.destroy();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
