import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type EventEnvelope,
  createEvent,
  deadLetterTopicName,
  defineTopic,
  newTraceparent,
} from '@nidus/contracts';
import {
  type EventBus,
  type Subscription,
  type SubscriptionOptions,
  deadLetterHeaders,
} from '@nidus/messaging-core';
import { Deferred, Inbox } from './inbox';

export interface EventBusHarness {
  /**
   * Opens a bus over the adapter's storage. Buses opened by one harness share it: what one published and closed,
   * the next one opened sees (same data directory, same Kafka cluster).
   */
  open(): Promise<EventBus>;
}

const thing = z.object({ n: z.number().int(), label: z.string() });
type Thing = z.infer<typeof thing>;

/** A fresh topic and group names per test, so tests never see each other's events on a shared broker. */
function fixture() {
  const suffix = randomUUID().slice(0, 8);
  const topic = defineTopic({
    name: `iot.test-${suffix}.thing-happened.v1`,
    type: 'nidus.test.thing.happened.v1',
    schema: thing,
    description: 'contract-suite events',
  });
  const group = (name: string) => `${name}-${suffix}`;
  const event = (
    subject: string,
    n: number,
    extra: Partial<Omit<EventEnvelope, 'data'>> = {},
  ): EventEnvelope<Thing> => ({
    ...createEvent({
      type: topic.type,
      source: 'nidus/contract-suite',
      subject,
      tenant: 't1',
      data: { n, label: `e${n}` },
    }),
    ...extra,
  });
  return { topic, group, event };
}

const byN = (a: EventEnvelope<Thing>, b: EventEnvelope<Thing>) => a.data.n - b.data.n;

/**
 * The event bus specification (EventBus in libs/messaging/core). Every adapter runs this same suite; an adapter that
 * needs an exception to pass it does not implement the port.
 */
export function describeEventBusContract(adapter: string, harness: () => EventBusHarness): void {
  describe(`EventBus contract: ${adapter}`, () => {
    let h: EventBusHarness;
    const open: EventBus[] = [];
    const subscriptions: Subscription[] = [];

    async function bus(): Promise<EventBus> {
      const b = await h.open();
      open.push(b);
      return b;
    }

    async function join<T>(b: EventBus, options: SubscriptionOptions<T>) {
      const s = await b.subscribe(options);
      subscriptions.push(s);
      return s;
    }

    beforeEach(() => {
      h = harness();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('publish resolves only when durable: a bus opened after close delivers what was published', async () => {
      const { topic, group, event } = fixture();
      const first = await h.open();
      await first.publish(topic, [event('d1', 1), event('d1', 2), event('d2', 3)]);
      await first.close();

      const inbox = new Inbox<EventEnvelope<Thing>>();
      await join(await bus(), { topic, group: group('g'), handler: async (e) => inbox.add(e) });
      expect((await inbox.take(3)).map((e) => e.data.n).sort()).toEqual([1, 2, 3]);
    });

    it('carries every CloudEvents attribute and the traceparent unchanged', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const inbox = new Inbox<EventEnvelope<Thing>>();
      await join(b, { topic, group: group('g'), handler: async (e) => inbox.add(e) });
      const sent = event('dev-42', 7, { appid: 'space-1', traceparent: newTraceparent() });
      await b.publish(topic, [sent]);
      expect(await inbox.take(1)).toEqual([sent]);
    });

    it('delivers every event to each group and splits a group between its members', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const a = new Inbox<EventEnvelope<Thing>>();
      const c = new Inbox<EventEnvelope<Thing>>();
      const other = new Inbox<EventEnvelope<Thing>>();
      await join(b, { topic, group: group('shared'), handler: async (e) => a.add(e) });
      await join(b, { topic, group: group('shared'), handler: async (e) => c.add(e) });
      await join(b, { topic, group: group('other'), handler: async (e) => other.add(e) });

      const events = Array.from({ length: 60 }, (_, i) => event(`device-${i}`, i));
      await b.publish(topic, events);

      expect((await other.take(60)).sort(byN)).toEqual(events);
      const shared = await Inbox.takeTogether([a, c], 60);
      expect(shared.sort(byN)).toEqual(events); // each event once across the members
      expect(a.count).toBeGreaterThan(0);
      expect(c.count).toBeGreaterThan(0);
    });

    it('keeps the subscriptions of one group to different topics apart: each gets all of its topic', async () => {
      const first = fixture();
      const second = fixture();
      const b = await bus();
      const one = new Inbox<EventEnvelope<Thing>>();
      const two = new Inbox<EventEnvelope<Thing>>();
      const group = first.group('service'); // a service's one group, on both of its topics
      await join(b, { topic: first.topic, group, handler: async (e) => one.add(e) });
      await join(b, { topic: second.topic, group, handler: async (e) => two.add(e) });

      const ones = Array.from({ length: 20 }, (_, i) => first.event(`device-${i}`, i));
      const twos = Array.from({ length: 20 }, (_, i) => second.event(`device-${i}`, i));
      await b.publish(first.topic, ones);
      await b.publish(second.topic, twos);
      expect((await one.take(20)).sort(byN)).toEqual(ones);
      expect((await two.take(20)).sort(byN)).toEqual(twos);
    });

    it('keeps publish order per subject across batches', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const inbox = new Inbox<EventEnvelope<Thing>>();
      await join(b, { topic, group: group('g'), handler: async (e) => inbox.add(e) });
      let n = 0;
      for (let batch = 0; batch < 4; batch++) {
        await b.publish(
          topic,
          Array.from({ length: 50 }, () => event(`d${n % 5}`, n++)),
        );
      }
      const received = await inbox.take(200);
      for (let d = 0; d < 5; d++) {
        const seq = received.filter((e) => e.subject === `d${d}`).map((e) => e.data.n);
        expect(seq).toEqual([...seq].sort((x, y) => x - y));
        expect(seq).toHaveLength(40);
      }
    });

    it('publishes a batch of 1000 events in one call', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const inbox = new Inbox<EventEnvelope<Thing>>();
      await join(b, { topic, group: group('g'), handler: async (e) => inbox.add(e) });
      await b.publish(
        topic,
        Array.from({ length: 1000 }, (_, i) => event(`d${i % 17}`, i)),
      );
      expect(new Set((await inbox.take(1000)).map((e) => e.data.n)).size).toBe(1000);
    });

    it('retries a failing handler and holds later events of the subject until it succeeds', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const attempts: number[] = [];
      const inbox = new Inbox<EventEnvelope<Thing>>();
      await join(b, {
        topic,
        group: group('g'),
        retryBackoffMs: 10,
        handler: async (e: EventEnvelope<Thing>, d) => {
          if (e.data.n === 1) {
            attempts.push(d.attempt);
            if (d.attempt < 3) throw new Error('transient');
          }
          inbox.add(e);
        },
      });
      await b.publish(topic, [event('d1', 1), event('d1', 2)]);
      expect((await inbox.take(2)).map((e) => e.data.n)).toEqual([1, 2]);
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('dead-letters an event after maxAttempts, with the failure in its headers, and moves on', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const inbox = new Inbox<EventEnvelope<Thing>>();
      const dead = new Inbox<{ event: EventEnvelope<Thing>; headers: Readonly<Record<string, string>> }>();
      await join(b, {
        topic,
        group: group('g'),
        maxAttempts: 2,
        retryBackoffMs: 10,
        handler: async (e: EventEnvelope<Thing>) => {
          if (e.data.n === 1) throw new Error('poison pill');
          inbox.add(e);
        },
      });
      await join(b, {
        topic: { ...topic, name: deadLetterTopicName(group('g')) },
        group: group('dlq-reader'),
        handler: async (e: EventEnvelope<Thing>, d) => dead.add({ event: e, headers: d.headers }),
      });
      const poison = event('d1', 1);
      await b.publish(topic, [poison, event('d1', 2)]);

      expect((await inbox.take(1)).map((e) => e.data.n)).toEqual([2]);
      const [parked] = await dead.take(1);
      expect(parked?.event).toEqual(poison);
      expect(parked?.headers).toMatchObject({
        [deadLetterHeaders.topic]: topic.name,
        [deadLetterHeaders.group]: group('g'),
        [deadLetterHeaders.error]: 'poison pill',
        [deadLetterHeaders.attempts]: '2',
      });
    });

    it('dead-letters an event whose data breaks the topic schema without calling the handler', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const handled = new Inbox<EventEnvelope<Thing>>();
      const dead = new Inbox<Readonly<Record<string, string>>>();
      await join(b, { topic, group: group('g'), handler: async (e: EventEnvelope<Thing>) => handled.add(e) });
      await join(b, {
        topic: { ...topic, name: deadLetterTopicName(group('g')), schema: z.unknown() },
        group: group('dlq-reader'),
        handler: async (_e, d) => dead.add(d.headers),
      });
      const bad = { ...event('d1', 1), data: { n: 'one' } } as unknown as EventEnvelope<Thing>;
      await b.publish(topic, [bad, event('d1', 2)]);

      expect((await handled.take(1)).map((e) => e.data.n)).toEqual([2]);
      expect((await dead.take(1))[0]?.[deadLetterHeaders.error]).toMatch(/^invalid data: n: /);
    });

    it('commits only after the handler succeeded: an event in flight when a member leaves goes to the next', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const started = new Deferred<void>();
      const release = new Deferred<void>();
      const first = await b.subscribe({
        topic,
        group: group('g'),
        retryBackoffMs: 10,
        handler: async () => {
          started.resolve();
          await release.promise;
          throw new Error('member crashed mid-event');
        },
      });
      await b.publish(topic, [event('d1', 1)]);
      await started.promise;
      const leaving = first.close();
      release.resolve();
      await leaving;

      const inbox = new Inbox<EventEnvelope<Thing>>();
      await join(b, { topic, group: group('g'), handler: async (e) => inbox.add(e) });
      expect((await inbox.take(1)).map((e) => e.data.n)).toEqual([1]);
    });

    it('resumes a group from its committed position after the bus is reopened', async () => {
      const { topic, group, event } = fixture();
      const first = await h.open();
      const before = new Inbox<EventEnvelope<Thing>>();
      const s = await first.subscribe({ topic, group: group('g'), handler: async (e) => before.add(e) });
      await first.publish(
        topic,
        [1, 2, 3].map((n) => event('d1', n)),
      );
      await before.take(3);
      await s.close();
      await first.publish(
        topic,
        [4, 5].map((n) => event('d1', n)),
      );
      await first.close();

      const after = new Inbox<EventEnvelope<Thing>>();
      await join(await bus(), { topic, group: group('g'), handler: async (e) => after.add(e) });
      expect((await after.take(2)).map((e) => e.data.n)).toEqual([4, 5]);
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(after.count).toBe(2);
    });

    it('hands a batch handler consecutive events of a partition, in order per subject, at most maxBatch', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const sizes: number[] = [];
      const inbox = new Inbox<EventEnvelope<Thing>>();
      const batchHandler = async (events: readonly EventEnvelope<Thing>[]) => {
        sizes.push(events.length);
        events.forEach((e) => inbox.add(e));
      };
      await join(b, {
        topic,
        group: group('g'),
        maxBatch: 40,
        batchHandler,
        handler: (e) => batchHandler([e]),
      });
      const events = Array.from({ length: 300 }, (_, i) => event(`d${i % 3}`, i));
      await b.publish(topic, events);
      const got = await inbox.take(300);
      for (const d of ['d0', 'd1', 'd2']) {
        const ns = got.filter((e) => e.subject === d).map((e) => e.data.n);
        expect(ns).toEqual([...ns].sort((x, y) => x - y));
      }
      expect(got.sort(byN)).toEqual(events);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(40);
    });

    it('delivers a failed batch one at a time: the poison event and invalid data are dead-lettered alone', async () => {
      const { topic, group, event } = fixture();
      const b = await bus();
      const batches: number[][] = [];
      const handled = new Inbox<number>();
      const dead = new Inbox<string>();
      await join(b, {
        topic,
        group: group('g'),
        maxAttempts: 2,
        retryBackoffMs: 10,
        batchHandler: async (events: readonly EventEnvelope<Thing>[]) => {
          batches.push(events.map((e) => e.data.n));
          if (events.some((e) => e.data.n === 3)) throw new Error('poison in the batch');
          events.forEach((e) => handled.add(e.data.n));
        },
        handler: async (e: EventEnvelope<Thing>) => {
          if (e.data.n === 3) throw new Error('poison pill');
          handled.add(e.data.n);
        },
      });
      await join(b, {
        topic: { ...topic, name: deadLetterTopicName(group('g')), schema: z.unknown() },
        group: group('dlq-reader'),
        handler: async (_e, d) => dead.add(d.headers[deadLetterHeaders.error]!),
      });
      const bad = { ...event('d1', 99), data: { n: 'x' } } as unknown as EventEnvelope<Thing>;
      await b.publish(topic, [event('d1', 1), event('d1', 2), bad, event('d1', 3), event('d1', 4)]);
      expect(await handled.take(3)).toEqual([1, 2, 4]);
      expect((await dead.take(2)).sort()).toEqual([
        expect.stringMatching(/^invalid data: n: /),
        'poison pill',
      ]);
      expect(batches.flat()).not.toContain(99); // invalid data never reaches a handler
    });

    it('reports itself healthy while open', async () => {
      const b = await bus();
      expect((await b.health()).ok).toBe(true);
    });
  });
}
