import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordIdGenerator } from '@nidus/domain-ids';
import { loadConfig } from '@nidus/platform-config';
import { createMetricsRegistry, forwardingMetrics } from '@nidus/platform-observability';
import { type Infrastructure, openInfrastructure } from '@nidus/platform-runtime';
import { silentLogger } from '@nidus/ports';
import { DeadLetters, type DeadLetterStore, openDeadLetterStore } from './dead-letters';
import { type HttpTarget, HttpPush } from './http-push';

// HttpPush against a loopback HTTP server, on a clock the test moves, with its dead letters in the embedded store:
// the 10-failure, 5-minute pause of spec 03 §6.5, the order within a lane, and the retry and dead-letter extensions.

let server: Server;
let base: string;
let status = 200;
const seen: unknown[] = [];
let now = 1_000_000;
const registry = createMetricsRegistry({ instance: 'test' });
const metrics = forwardingMetrics(registry);
const clock = { now: () => now };
let push: HttpPush;
let dataDir: string;
let infra: Infrastructure;
let letters: DeadLetterStore;

const target = (actionId: string, path: string, extra: Partial<HttpTarget> = {}): HttpTarget => ({
  project: 'p1',
  actionId,
  url: `${base}${path}`,
  attempts: 1,
  backoffMs: 10,
  acceptAny2xx: false,
  ...extra,
});

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nidus-http-push-'));
  infra = await openInfrastructure(
    loadConfig({ NIDUS_DATA_DIR: dataDir }, { defaultServices: ['rule-engine'] }),
    silentLogger,
  );
  letters = await openDeadLetterStore(await infra.documents('rule-engine'));
  const deadLetters = new DeadLetters(letters, new RecordIdGenerator(clock), clock, silentLogger);
  push = new HttpPush(clock, metrics, silentLogger, deadLetters);
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      seen.push(JSON.parse(text));
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await push.close();
  await new Promise<void>((r) => server.close(() => r()));
  await infra.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The dead letters of an action, oldest first, once there are `n` (bounded wait: they are written behind). */
async function lettersOf(actionId: string, n: number) {
  for (let i = 0; i < 200; i++) {
    const { items } = await letters.find('p1', { action_id: actionId }, { limit: 1000 });
    if (items.length >= n) return items.map((l) => l.data);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${n} dead letters of ${actionId}`);
}

const outcomes = async (): Promise<Record<string, number>> => {
  const { values } = await registry.getSingleMetric('nidus_pushes_total')!.get();
  return Object.fromEntries(values.map((v) => [String(v.labels['outcome']), v.value]));
};

describe('HttpPush', () => {
  it('keeps the order of a lane, pauses a host after 10 failures in a row for 5 minutes, and again on the next failure', async () => {
    for (let i = 0; i < 5; i++) push.push(target('a1', '/x'), 'd1', { i });
    await push.drain();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));

    status = 500;
    for (let i = 0; i < 12; i++) push.push(target('a1', '/x'), 'd1', { failing: i });
    await push.drain();
    expect(seen).toHaveLength(5 + 10); // the last two found the host paused
    // 12 undelivered in one second: 10 dead letters written (the budget of a second), 2 only counted.
    expect(await outcomes()).toEqual({ delivered: 5, failed: 10, blacklisted: 2, 'dead-letter-skipped': 2 });

    push.push(target('a2', '/other-path'), 'd2', { paused: true }); // the same host: paused too
    await push.drain();
    expect(seen).toHaveLength(15);

    now += 5 * 60_000; // the pause is over; one more failure pauses the host again
    push.push(target('a1', '/x'), 'd1', { after: 1 });
    push.push(target('a1', '/x'), 'd1', { after: 2 });
    await push.drain();
    expect(seen).toHaveLength(16);

    now += 5 * 60_000;
    status = 200; // recovered: pushes go on
    push.push(target('a1', '/x'), 'd1', { recovered: 1 });
    push.push(target('a1', '/x'), 'd1', { recovered: 2 });
    await push.drain();
    expect(seen.slice(-2)).toEqual([{ recovered: 1 }, { recovered: 2 }]);
    // The 10 failures, then the 2 after the first pause: dead letters of their action, with why.
    const a1 = await lettersOf('a1', 12);
    expect(a1[0]).toMatchObject({
      device_id: 'd1',
      reason: 'answered 500',
      attempts: 1,
      body: '{"failing":0}',
    });
    expect(a1[10]).toMatchObject({ reason: 'answered 500', body: '{"after":1}' });
    expect(a1[11]).toMatchObject({ reason: 'host paused after 10 consecutive failures', attempts: 0 });
    expect((await lettersOf('a2', 1))[0]).toMatchObject({ body: '{"paused":true}', attempts: 0 });
  });

  it('retries as the action asks, in order within the lane, and takes any 2xx when told', async () => {
    now += 10 * 60_000;
    seen.length = 0;
    status = 500;
    push.push(target('r1', '/r', { attempts: 3 }), 'd1', { n: 1 });
    push.push(target('r1', '/r', { attempts: 3 }), 'd1', { n: 2 });
    await push.drain();
    expect(seen).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }, { n: 2 }, { n: 2 }, { n: 2 }]);
    expect(await lettersOf('r1', 2)).toMatchObject([
      { reason: 'answered 500', attempts: 3, body: '{"n":1}' },
      { reason: 'answered 500', attempts: 3, body: '{"n":2}' },
    ]);
    status = 204;
    push.push(target('r2', '/r'), 'd1', { strict: true });
    push.push(target('r3', '/r', { acceptAny2xx: true }), 'd1', { lenient: true });
    await push.drain();
    expect(await lettersOf('r2', 1)).toMatchObject([{ reason: 'answered 204' }]);
    await new Promise((r) => setTimeout(r, 50)); // bounded: proves an absence
    expect((await letters.find('p1', { action_id: 'r3' }, { limit: 10 })).items).toHaveLength(0);
    status = 200;
  });
});
