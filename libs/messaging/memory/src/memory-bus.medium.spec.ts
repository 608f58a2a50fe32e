import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createEvent, defineTopic } from '@nidus/contracts';
import { describeEventBusContract } from '@nidus/testing';
import { MemoryEventBus } from './memory-bus';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeEventBusContract('in-process bus with its journal', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bus-'));
  dirs.push(dataDir);
  return { open: () => MemoryEventBus.open({ dataDir, offsetFlushMs: 5 }) };
});

describe('MemoryEventBus memory', () => {
  const topic = defineTopic({
    name: 'iot.test.retained.v1',
    type: 'nidus.test.retained.v1',
    schema: z.object({ n: z.number() }),
    description: 'retention test',
  });
  const event = (n: number) =>
    createEvent({ type: topic.type, source: 'test', subject: 'one-device', tenant: 't', data: { n } });

  it('keeps only the newest events of a topic nobody consumes, and a group that joins later starts there', async () => {
    const bus = await MemoryEventBus.open({ partitions: 1, retainUnconsumed: 10 });
    for (let n = 0; n < 100; n++) await bus.publish(topic, [event(n)]);
    const seen: number[] = [];
    const subscription = await bus.subscribe({
      topic,
      group: 'late',
      handler: async (e) => void seen.push(e.data.n),
    });
    await bus.publish(topic, [event(100)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Trimmed as events arrive (at most twice the retention is held), not only by the periodic housekeeping.
    expect(seen[0]).toBeGreaterThanOrEqual(80);
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => seen[0]! + i));
    await subscription.close();
    await bus.close();
  });
});
