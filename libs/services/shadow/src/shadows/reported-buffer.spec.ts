import { silentLogger } from '@nidus/ports';
import { type Report, ReportedBuffer } from './reported-buffer';

const report = (serviceId: string, properties: Record<string, unknown>, eventTime = 't1'): Report => ({
  serviceId,
  properties,
  eventTime,
});

describe('ReportedBuffer', () => {
  it('merges a device reports per service, the newer value winning, and writes them once per flush', async () => {
    const writes: [string, string, readonly Report[]][] = [];
    const buffer = new ReportedBuffer(60_000, async (t, d, r) => void writes.push([t, d, r]), silentLogger);
    buffer.add('p', 'd1', [report('A', { x: 1, y: 1 })]);
    buffer.add('p', 'd1', [report('A', { x: 2 }, 't2'), report('B', { z: 1 })]);
    buffer.add('p', 'd2', [report('A', { x: 9 })]);
    await buffer.flush();
    expect(writes).toEqual([
      ['p', 'd1', [report('A', { x: 2, y: 1 }, 't2'), report('B', { z: 1 })]],
      ['p', 'd2', [report('A', { x: 9 })]],
    ]);
    await buffer.flush();
    expect(writes).toHaveLength(2);
  });

  it('writes one device on demand, after the writes already under way, never two at once', async () => {
    const order: string[] = [];
    let running = 0;
    const buffer = new ReportedBuffer(
      60_000,
      async (_t, d, r) => {
        running++;
        expect(running).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`${d}:${String(r[0]!.properties['x'])}`);
        running--;
      },
      silentLogger,
    );
    buffer.add('p', 'd1', [report('A', { x: 1 })]);
    const flushing = buffer.flush();
    buffer.add('p', 'd1', [report('A', { x: 2 })]); // not yet taken: merges, the newer value wins
    await flushing;
    expect(order).toEqual(['d1:2']);
    buffer.add('p', 'd1', [report('A', { x: 3 })]);
    const writing = buffer.flush();
    await new Promise((resolve) => setTimeout(resolve, 5)); // x: 3 is being written
    buffer.add('p', 'd1', [report('A', { x: 4 })]);
    await buffer.flushDevice('p', 'd1');
    await writing;
    expect(order).toEqual(['d1:2', 'd1:3', 'd1:4']);
  });

  it('queues one flush at most behind the one under way, however often it is asked, and that one takes it all', async () => {
    const writes: string[] = [];
    const slow: (() => void)[] = [];
    const buffer = new ReportedBuffer(
      60_000,
      async (_t, d, r) => {
        await new Promise<void>((resolve) => slow.push(resolve));
        writes.push(`${d}:${String(r[0]!.properties['x'])}`);
      },
      silentLogger,
    );
    buffer.add('p', 'd1', [report('A', { x: 1 })]);
    const first = buffer.flush();
    await new Promise((resolve) => setImmediate(resolve)); // the first flush is writing d1
    const later: Promise<void>[] = [];
    for (let i = 2; i <= 1000; i++) {
      buffer.add('p', `d${i % 3}`, [report('A', { x: i })]);
      later.push(buffer.flush());
    }
    expect(new Set(later).size).toBe(1); // one waiting flush serves them all
    let finished = false;
    void Promise.all([first, ...later]).then(() => (finished = true));
    while (!finished) {
      slow.shift()?.(); // each write finishes when let go
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(writes).toEqual(['d1:1', 'd2:998', 'd0:999', 'd1:1000']);
  });

  it('writes the devices of a flush side by side, 32 at most, each once', async () => {
    const written: string[] = [];
    let running = 0;
    let most = 0;
    const buffer = new ReportedBuffer(
      60_000,
      async (_t, d) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        written.push(d);
        running--;
      },
      silentLogger,
    );
    for (let i = 0; i < 100; i++) buffer.add('p', `d${i}`, [report('A', { x: i })]);
    await buffer.flush();
    expect(most).toBe(32);
    expect(written.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `d${i}`).sort());
  });

  it('keeps writing other devices when one write fails, and flushes on its own after flushMs', async () => {
    const written: string[] = [];
    const buffer = new ReportedBuffer(
      10,
      async (_t, d) => {
        if (d === 'bad') throw new Error('store down');
        written.push(d);
      },
      silentLogger,
    );
    buffer.add('p', 'bad', [report('A', { x: 1 })]);
    buffer.add('p', 'good', [report('A', { x: 1 })]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written).toEqual(['good']);
  });
});
