import { Kafka, logLevel } from 'kafkajs';
import { parseArgs, runCheck } from './args';
import { register } from './bench-devices';
import { agent } from './nidus-target';
import { type Rig, distributedRig, embeddedRig, metricsText, sampleSum } from './rigs';
import { residentMb } from './run-load';
import { Application, simServices } from './sim/application';
import { Fleet, draining, sleep } from './sim/fleet';

// `npm run soak -- --minutes N` (issue 7): steady load from simulated IoTDA devices (reports, messages, answered
// commands) for N minutes against one shape; every 10 s a line with each process's RSS and event-loop lag (p99, from its
// Prometheus endpoint), the Kafka consumer lag of the deployment's groups (distributed shape), PUBACK and device → AMQP
// application latency. At the end: lost-after-ack and, per process, trends after the warm-up (least-squares lines):
// its RSS; the anonymous part of it (its own memory: V8's heap, malloc, stacks), RSS without the pages of mapped files
// (the executable, and SQLite's memory-mapped database files, which grow with the data the soak writes, such as the
// history of its commands: the kernel keeps them as page cache and drops them under pressure); the native part of
// that (anonymous memory beyond V8's resident heap: buffers, malloc, stacks); and the floor of its V8 old generation
// (the lowest sample of each 2 minutes: what survived scavenges). It fails when something acknowledged was lost, or
// when a process's native memory or old generation grows: a leak raises one of them, while V8's young generation,
// which it grows while a process is busy and gives back when it idles (in steps of tens of MB under the 64 MiB
// semi-space of tools/nidus-node), raises neither.
// Arguments (--name value or name=value): minutes=30 shape=distributed|embedded devices=500 rate=(5 distributed, 400
// embedded) commands=(rate / 20 a second) warmup=(a fifth of the run, at least 2 minutes).

const args = parseArgs();
const minutes = Number(args['minutes'] ?? 30);
const shape = (args['shape'] ?? 'distributed') as Rig['shape'];
const devices = Number(args['devices'] ?? 500);
// The distributed shape's rate is what FerretDB on SQLite carries here for 30 minutes (docs/reliability.md): every
// query that is not by key scans its collection, and the commands' history grows through the run.
const rate = Number(args['rate'] ?? (shape === 'distributed' ? 5 : 400));
const commandRate = Number(args['commands'] ?? rate / 20);
const warmupMin = Number(args['warmup'] ?? Math.max(2, minutes / 5));
const everyMs = 10_000;

/** Events published and not yet consumed, over the consumer groups that have members now. */
async function busLag(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups((await admin.listGroups()).groups.map((g) => g.groupId));
    let lag = 0;
    for (const g of groups.filter((x) => x.state === 'Stable')) {
      const topic = g.groupId.slice(g.groupId.indexOf('.') + 1);
      const [committed] = await admin.fetchOffsets({ groupId: g.groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      for (const p of committed?.partitions ?? []) {
        const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
        lag += Math.max(0, end - Math.max(0, Number(p.offset)));
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/** Least-squares slope of y over x. */
function slope(points: readonly [x: number, y: number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const fmt = (n: number, digits = 0) => (Number.isNaN(n) ? '–' : n.toFixed(digits));

/** Growth over the window of a least-squares line through `points`, and whether it counts as flat. */
function trend(points: readonly [number, number][]): {
  first: number;
  last: number;
  perH: number;
  flat: boolean;
} {
  const perMin = slope(points);
  const mean = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const growth = perMin * (points.at(-1)![0] - points[0]![0]);
  return {
    first: points[0]![1],
    last: points.at(-1)![1],
    perH: perMin * 60,
    flat: growth < Math.max(10, mean * 0.05),
  };
}

/** The lowest sample of each `bucketMin` minutes, at the bucket's middle. */
function floors(points: readonly [number, number][], bucketMin: number): [number, number][] {
  const buckets = new Map<number, number>();
  for (const [x, y] of points) {
    const b = Math.floor(x / bucketMin);
    buckets.set(b, Math.min(buckets.get(b) ?? Infinity, y));
  }
  return [...buckets].map(([b, y]) => [(b + 0.5) * bucketMin, y]);
}

/** V8's spaces other than the young generation's: what survived scavenges. */
const oldSpaces = [
  'old',
  'code',
  'large_object',
  'code_large_object',
  'shared',
  'shared_large_object',
  'read_only',
];

/**
 * What a process reports at one scrape of its `/metrics`: its event-loop lag p99 (prom-client's default metric), what
 * its V8 old generation holds, and V8's heap pages in memory (platform-observability's gauge), in ms and MB; NaN each
 * when it does not answer.
 */
async function processSample(
  url: string,
): Promise<{ loopLagMs: number; oldMb: number; heapResidentMb: number }> {
  const text = await metricsText(url).catch(() => undefined);
  if (text === undefined) return { loopLagMs: Number.NaN, oldMb: Number.NaN, heapResidentMb: Number.NaN };
  return {
    loopLagMs: sampleSum(text, 'nidus_nodejs_eventloop_lag_p99_seconds') * 1000,
    oldMb: sampleSum(text, 'nidus_nodejs_heap_space_size_used_bytes', { space: oldSpaces }) / 2 ** 20,
    heapResidentMb: sampleSum(text, 'nidus_nodejs_heap_resident_bytes') / 2 ** 20,
  };
}

async function main(): Promise<boolean> {
  const rig = shape === 'distributed' ? await distributedRig() : await embeddedRig();
  const kafka =
    shape === 'distributed'
      ? new Kafka({
          brokers: [process.env['KAFKA_BROKERS'] ?? '127.0.0.1:29092'],
          logLevel: logLevel.NOTHING,
        })
      : undefined;
  const names = rig.deployment.names();
  const rss = new Map<string, [number, number][]>(names.map((n) => [n, []]));
  const anon = new Map<string, [number, number][]>(names.map((n) => [n, []]));
  const native = new Map<string, [number, number][]>(names.map((n) => [n, []]));
  const heap = new Map<string, [number, number][]>([...rig.metrics.keys()].map((n) => [n, []]));
  let failed = false;
  try {
    const logins = await register(rig.target, devices, 0, simServices);
    const app = await Application.start(rig.target, rig.amqpPort, `soak${Date.now() % 1e6}`);
    const fleet = new Fleet({ endpoints: rig.gateways, logins, rate, messageShare: 0.2, window: 16 });
    await fleet.connect();
    fleet.run();
    app.command(
      logins.map((l) => l.username!),
      commandRate,
    );
    console.log(
      `soak — ${shape}, ${devices} devices, ${rate} reports/s (20 % messages) and ${commandRate} ` +
        `commands/s, ${minutes} min, RSS trend after ${warmupMin} min`,
    );
    console.log(
      `  columns: minute | RSS/anonymous MB per process (${names.join(', ')}) | event-loop p99 ms, worst process |`,
    );
    console.log('           bus lag | PUBACK p99 ms | device → application p50/p99 ms | acked | delivered');
    const start = Date.now();
    while (Date.now() - start < minutes * 60_000) {
      await sleep(everyMs);
      const minute = (Date.now() - start) / 60_000;
      const sizes = names.map((n) => residentMb(rig.deployment.pid(n)));
      sizes.forEach((mb, i) => {
        rss.get(names[i]!)!.push([minute, mb.rss]);
        anon.get(names[i]!)!.push([minute, mb.anon]);
      });
      const samples = new Map(
        await Promise.all([...rig.metrics].map(async ([n, url]) => [n, await processSample(url)] as const)),
      );
      const lags = [...samples.values()].map((p) => p.loopLagMs);
      for (const [n, { oldMb }] of samples) if (!Number.isNaN(oldMb)) heap.get(n)!.push([minute, oldMb]);
      sizes.forEach((mb, i) => {
        const heapMb = samples.get(names[i]!)?.heapResidentMb ?? Number.NaN;
        if (!Number.isNaN(heapMb)) native.get(names[i]!)!.push([minute, mb.anon - heapMb]);
      });
      const bus = kafka ? await busLag(kafka).catch(() => Number.NaN) : Number.NaN;
      const puback = fleet.takeLatencies();
      const e2e = app.takeLatencies();
      console.log(
        `  ${minute.toFixed(1).padStart(5)} | ${sizes.map((mb) => `${mb.rss.toFixed(0)}/${mb.anon.toFixed(0)}`).join(' ')} | ` +
          `${fmt(Math.max(...lags.filter((l) => !Number.isNaN(l))), 1)} | ${fmt(bus)} | ${fmt(puback.p99, 1)} | ` +
          `${fmt(e2e.p50, 1)}/${fmt(e2e.p99, 1)} | ${fleet.ackCount} | ${app.amqp.delivered}`,
      );
    }
    fleet.pause();
    await app.stopCommands();
    await fleet.settled(60_000);
    const acked = fleet.ackedByDevice();
    await draining(() => app.amqp.missing(acked), 300_000);
    await draining(() => fleet.commands.missing(app.commandsAcked), 300_000);
    const lost = app.amqp.missing(acked);
    const lostCommands = fleet.commands.missing(app.commandsAcked);
    console.log(
      `\n  reports: ${fleet.sent} sent, ${fleet.ackCount} acked, ${app.amqp.delivered} delivered, ${lost} lost after ` +
        `ack, ${app.amqp.duplicates} duplicates; commands: ${app.commandsAckedCount} accepted, ` +
        `${fleet.commands.delivered} delivered, ${lostCommands} lost`,
    );
    if (lost > 0 && rig.queued)
      console.log(
        `  of those, ${await rig.queued(app.queue)} are still in the queue's store (late, not lost)`,
      );
    failed = lost > 0 || lostCommands > 0;
    console.log(
      '\n  | process | RSS after warm-up → end MB | trend MB/h | anonymous → end MB | trend MB/h | ' +
        'native → end MB | trend MB/h | old-generation floor → end MB | trend MB/h | verdict |',
    );
    console.log('  |---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
    const column = (t: ReturnType<typeof trend> | undefined) =>
      t ? `${t.first.toFixed(0)} → ${t.last.toFixed(0)} | ${t.perH.toFixed(1)}` : '– | –';
    const afterWarmup = (series: readonly [number, number][]) => {
      const points = series.filter(([m]) => m >= warmupMin);
      return points.length >= 3 ? trend(points) : undefined;
    };
    for (const name of names) {
      const [r, a] = [afterWarmup(rss.get(name)!), afterWarmup(anon.get(name)!)];
      if (!r || !a) continue;
      const [n, h] = [afterWarmup(native.get(name)!), afterWarmup(floors(heap.get(name) ?? [], 2))];
      const judged: Record<string, ReturnType<typeof trend>> = n && h
        ? { 'native memory': n, 'old generation': h }
        : { 'anonymous memory': a };
      const grows = Object.entries(judged)
        .filter(([, t]) => !t.flat)
        .map(([what]) => what);
      failed ||= grows.length > 0;
      const files = afterWarmup(
        rss.get(name)!.map(([m, mb], i): [number, number] => [m, mb - anon.get(name)![i]![1]]),
      );
      const notes = [!a.flat && 'V8 keeps more heap', files && !files.flat && 'mapped files grow'].filter(
        Boolean,
      );
      const verdict =
        grows.length > 0
          ? `${grows.join(' and ').toUpperCase()} GROWS`
          : notes.length > 0
            ? `flat (${notes.join(', ')})`
            : 'flat';
      console.log(`  | ${name} | ${column(r)} | ${column(a)} | ${column(n)} | ${column(h)} | ${verdict} |`);
    }
    fleet.stop();
    // cleaning up is not the verdict: a queue with a backlog may take longer to delete than the api waits
    await app.stop().catch((error: unknown) => console.log(`  cleanup: ${(error as Error).message}`));
  } finally {
    await rig.stop();
    agent.destroy();
  }
  return !failed;
}

runCheck(main);
