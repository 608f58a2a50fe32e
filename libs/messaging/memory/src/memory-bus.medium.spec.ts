import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

  /** Publishes 0–99 to a topic nobody consumes; then a group joins and 100 is published: what the group gets. */
  const lateGroupSees = async (startupMs?: number) => {
    const bus = await MemoryEventBus.open({
      partitions: 1,
      retainUnconsumed: 10,
      ...(startupMs === undefined ? {} : { startupMs }),
    });
    for (let n = 0; n < 100; n++) await bus.publish(topic, [event(n)]);
    const seen: number[] = [];
    const subscription = await bus.subscribe({
      topic,
      group: 'late',
      handler: async (e) => void seen.push(e.data.n),
    });
    await bus.publish(topic, [event(100)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await subscription.close();
    await bus.close();
    return seen;
  };

  it('keeps the newest events of a topic nobody consumes while starting; a group that joins then starts there', async () => {
    const seen = await lateGroupSees();
    // Trimmed as events arrive (at most twice the retention is held), not only by the periodic housekeeping.
    expect(seen[0]).toBeGreaterThanOrEqual(80);
    expect(seen.at(-1)).toBe(100);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => seen[0]! + i));
  });

  it('keeps nothing of an unconsumed topic once started: a group that joins then starts at the next event', async () => {
    expect(await lateGroupSees(0)).toEqual([100]);
  });

  const journaled = (dataDir: string, grace?: number) =>
    MemoryEventBus.open({
      dataDir,
      partitions: 1,
      retainUnconsumed: 10,
      offsetFlushMs: 5,
      segmentBytes: 2_000,
      ...(grace === undefined ? {} : { startupMs: grace }),
    });
  const consume = async (bus: MemoryEventBus, group: string, settleMs = 100) => {
    const seen: number[] = [];
    const subscription = await bus.subscribe({
      topic,
      group,
      handler: async (e) => void seen.push(e.data.n),
    });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    await subscription.close();
    return seen;
  };

  it('keeps the journal of a topic nobody consumes as short as what memory retains', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bus-'));
    dirs.push(dataDir);
    const bus = await journaled(dataDir);
    for (let n = 0; n < 300; n++) await bus.publish(topic, [event(n)]); // ~70 segments of ~10 events
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.log')).length).toBeLessThanOrEqual(4);
    await bus.close();
    const again = await journaled(dataDir);
    const seen = await consume(again, 'late');
    expect(seen[0]).toBeGreaterThanOrEqual(260); // the retained tail, in order, through a restart
    expect(seen).toEqual(Array.from({ length: 300 - seen[0]! }, (_, i) => seen[0]! + i));
    await again.close();
  });

  it("holds a group's backlog across a restart until the group subscribes again while the bus starts", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bus-'));
    dirs.push(dataDir);
    const first = await journaled(dataDir);
    expect(await consume(first, 'slow', 20)).toEqual([]); // the group is known, at offset 0
    for (let n = 0; n < 200; n++) await first.publish(topic, [event(n)]);
    await first.close();
    const restarted = await journaled(dataDir);
    await new Promise((resolve) => setTimeout(resolve, 50)); // housekeeping runs before the group is back
    expect(await consume(restarted, 'slow')).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await restarted.close();
  });

  it('journals nothing of a topic that lives as long as its instance, and delivers it in order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bus-'));
    dirs.push(dataDir);
    const instanceTopic = defineTopic({ ...topic, name: 'iot.test.one-boot.v1', lifetime: 'instance' });
    const bus = await MemoryEventBus.open({ dataDir, partitions: 1, offsetFlushMs: 5 }); // one segment
    const seen: number[] = [];
    const subscription = await bus.subscribe({
      topic: instanceTopic,
      group: 'gateway',
      handler: async (e) => void seen.push(e.data.n),
    });
    for (let n = 0; n < 5; n++) await bus.publish(instanceTopic, [event(n)]);
    await bus.publish(topic, [event(99)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await subscription.close();
    await bus.close();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const journal = readdirSync(dataDir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => readFileSync(join(dataDir, f), 'utf8'))
      .join('');
    expect(journal).toContain('iot.test.retained.v1');
    expect(journal).not.toContain('iot.test.one-boot.v1');
  });
});
