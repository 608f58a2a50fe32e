import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsRegistry, forwardingMetrics } from '@nidus/platform-observability';
import { silentLogger } from '@nidus/ports';
import { HttpPush } from './http-push';

// HttpPush against a loopback HTTP server, on a clock the test moves: the 10-failure, 5-minute pause of spec 03 §6.5
// and the order within a lane.

let server: Server;
let base: string;
let status = 200;
const seen: unknown[] = [];
let now = 1_000_000;
const registry = createMetricsRegistry({ instance: 'test' });
const metrics = forwardingMetrics(registry);
const push = new HttpPush({ now: () => now }, metrics, silentLogger);

beforeAll(async () => {
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

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const outcomes = async (): Promise<Record<string, number>> => {
  const { values } = await registry.getSingleMetric('nidus_pushes_total')!.get();
  return Object.fromEntries(values.map((v) => [String(v.labels['outcome']), v.value]));
};

describe('HttpPush', () => {
  it('keeps the order of a lane, pauses a host after 10 failures in a row for 5 minutes, and again on the next failure', async () => {
    for (let i = 0; i < 5; i++) push.push('a1', `${base}/x`, 'd1', { i });
    await push.drain();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));

    status = 500;
    for (let i = 0; i < 12; i++) push.push('a1', `${base}/x`, 'd1', { failing: i });
    await push.drain();
    expect(seen).toHaveLength(5 + 10); // the last two found the host paused
    expect(await outcomes()).toEqual({ delivered: 5, failed: 10, blacklisted: 2 });

    push.push('a2', `${base}/other-path`, 'd2', { paused: true }); // the same host: paused too
    await push.drain();
    expect(seen).toHaveLength(15);

    now += 5 * 60_000; // the pause is over; one more failure pauses the host again
    push.push('a1', `${base}/x`, 'd1', { after: 1 });
    push.push('a1', `${base}/x`, 'd1', { after: 2 });
    await push.drain();
    expect(seen).toHaveLength(16);

    now += 5 * 60_000;
    status = 200; // recovered: pushes go on
    push.push('a1', `${base}/x`, 'd1', { recovered: 1 });
    push.push('a1', `${base}/x`, 'd1', { recovered: 2 });
    await push.drain();
    expect(seen.slice(-2)).toEqual([{ recovered: 1 }, { recovered: 2 }]);
  });
});
