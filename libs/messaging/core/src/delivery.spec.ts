import { z } from 'zod';
import { createEvent, defineTopic } from '@nidus/contracts';
import { type DeliveryHooks, type ValidationMemo, bySubject, deliver, deliverBatch } from './delivery';
import type { SubscriptionOptions } from './event-bus';

const topic = defineTopic({
  name: 'iot.test.thing-happened.v1',
  type: 'nidus.test.thing.happened.v1',
  schema: z.object({ n: z.number() }),
  description: 'unit test topic',
});
const info = { topic: topic.name, partition: 0, offset: '7', headers: {} };
const good = createEvent({ type: topic.type, source: 's', subject: 'd1', tenant: 't1', data: { n: 1 } });

function hooks(stopping = () => false) {
  const dead: { reason: string; attempts: number }[] = [];
  const slept: number[] = [];
  const h: DeliveryHooks = {
    deadLetter: async (reason, attempts) => {
      dead.push({ reason, attempts });
    },
    stopping,
    sleep: async (ms) => {
      slept.push(ms);
    },
  };
  return { h, dead, slept };
}

function options(
  handler: SubscriptionOptions<{ n: number }>['handler'],
  extra: Partial<SubscriptionOptions<{ n: number }>> = {},
) {
  return { topic, group: 'g', handler, ...extra };
}

describe('deliver', () => {
  it('hands a valid event to the handler once', async () => {
    const seen: unknown[] = [];
    const { h, dead } = hooks();
    expect(
      await deliver(
        options(async (e, d) => void seen.push([e, d.attempt])),
        good,
        info,
        h,
      ),
    ).toBe('handled');
    expect(seen).toEqual([[good, 1]]);
    expect(dead).toEqual([]);
  });

  it('retries with doubling backoff, then dead-letters with the last error', async () => {
    const { h, dead, slept } = hooks();
    const handler = jest.fn(async () => {
      throw new Error('db down');
    });
    const outcome = await deliver(options(handler, { maxAttempts: 4, retryBackoffMs: 50 }), good, info, h);
    expect(outcome).toBe('dead-lettered');
    expect(handler).toHaveBeenCalledTimes(4);
    expect(slept).toEqual([50, 100, 200]);
    expect(dead).toEqual([{ reason: 'db down', attempts: 4 }]);
  });

  it('caps the backoff at 30 s', async () => {
    const { h, slept } = hooks();
    const failing = async () => {
      throw new Error('x');
    };
    await deliver(options(failing, { maxAttempts: 12, retryBackoffMs: 1000 }), good, info, h);
    expect(Math.max(...slept)).toBe(30_000);
  });

  it('stops retrying when the member leaves, leaving the event uncommitted', async () => {
    let leaving = false;
    const { h, dead } = hooks(() => leaving);
    const outcome = await deliver(
      options(async () => {
        leaving = true;
        throw new Error('x');
      }),
      good,
      info,
      h,
    );
    expect(outcome).toBe('aborted');
    expect(dead).toEqual([]);
  });

  it.each([
    ['a broken envelope', { ...good, specversion: '0.3' }, /^invalid envelope: specversion: /],
    [
      'an event of another type',
      { ...good, type: 'nidus.other.thing.v1' },
      /does not belong on iot.test.thing-happened.v1/,
    ],
    ['data the schema refuses', { ...good, data: { n: 'one' } }, /^invalid data: n: /],
    ['not an object at all', 'garbage', /^invalid envelope: /],
  ])('dead-letters %s without calling the handler', async (_name, raw, reason) => {
    const { h, dead } = hooks();
    const handler = jest.fn(async () => undefined);
    expect(await deliver(options(handler), raw, info, h)).toBe('dead-lettered');
    expect(handler).not.toHaveBeenCalled();
    expect(dead[0]?.reason).toMatch(reason);
    expect(dead[0]?.attempts).toBe(0);
  });

  it('with a memo, checks a stored event once per topic for every group that delivers it', async () => {
    let checks = 0;
    const counted = defineTopic({
      ...topic,
      schema: z.object({ n: z.number() }).refine(() => ++checks > 0),
    });
    const memo: ValidationMemo = {};
    const seen: unknown[] = [];
    const handler = async (e: unknown) => void seen.push(e);
    for (const group of ['a', 'b', 'c'])
      expect(await deliver({ topic: counted, group, handler }, good, info, hooks().h, memo)).toBe('handled');
    expect(checks).toBe(1);
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    // Another definition of the topic (a member built with other contracts) checks again.
    await deliver({ topic: defineTopic({ ...counted }), group: 'd', handler }, good, info, hooks().h, memo);
    expect(checks).toBe(2);
  });

  it('with a memo, dead-letters an invalid event in every group without checking it again', async () => {
    const memo: ValidationMemo = {};
    const raw = { ...good, data: { n: 'one' } };
    for (const group of ['a', 'b']) {
      const { h, dead } = hooks();
      expect(
        await deliver(
          options(async () => undefined, { group }),
          raw,
          info,
          h,
          memo,
        ),
      ).toBe('dead-lettered');
      expect(dead[0]?.reason).toMatch(/^invalid data: n: /);
    }
    expect(memo.checked?.result).toMatch(/^invalid data/);
  });
});

describe('deliverBatch', () => {
  const event = (n: number) => ({ ...good, id: `e${n}`, data: { n } });
  const items = (raws: unknown[], dead: string[]) =>
    raws.map((raw, i) => ({
      raw,
      info: { ...info, offset: String(i) },
      deadLetter: async (reason: string) => void dead.push(`${i}: ${reason}`),
    }));

  it('hands the valid events to the batch handler together, with their deliveries; invalid ones are dead-lettered', async () => {
    const dead: string[] = [];
    const seen: unknown[] = [];
    const batchHandler = async (
      events: readonly { data: { n: number } }[],
      deliveries: readonly { offset: string }[],
    ) => void seen.push([events.map((e) => e.data.n), deliveries.map((d) => d.offset)]);
    const raws = [event(1), { ...good, data: { n: 'two' } }, event(3)];
    const done = await deliverBatch(
      options(async () => undefined, { batchHandler }),
      items(raws, dead),
      hooks().h,
    );
    expect(done).toBe(3);
    expect(seen).toEqual([
      [
        [1, 3],
        ['0', '2'],
      ],
    ]);
    expect(dead).toEqual([expect.stringMatching(/^1: invalid data: n: /)]);
  });

  it('after a failed batch, stops between events when the member leaves: only what is done counts', async () => {
    let leaving = false;
    const handled: number[] = [];
    const handler = async (e: { data: { n: number } }) => {
      handled.push(e.data.n);
      if (e.data.n === 2) leaving = true;
    };
    const batchHandler = async () => {
      throw new Error('batch failed');
    };
    const done = await deliverBatch(
      options(handler, { batchHandler }),
      items([event(1), event(2), event(3)], []),
      hooks(() => leaving).h,
    );
    expect(done).toBe(2);
    expect(handled).toEqual([1, 2]);
  });
});

describe('bySubject', () => {
  const on = (subject: string, n: number) => ({ ...good, id: `${subject}${n}`, subject, data: { n } });
  const infos = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ...info, offset: String(i), attempt: 1 }));

  it('runs subjects side by side and each subject in order', async () => {
    const log: string[] = [];
    let releaseA1!: () => void;
    const a1Held = new Promise<void>((r) => (releaseA1 = r));
    const { batchHandler } = bySubject<{ n: number }>(
      options(async (e) => {
        log.push(`start ${e.id}`);
        if (e.id === 'a1') await a1Held;
        if (e.id === 'b1') releaseA1(); // b1 runs while a1 waits
        log.push(`end ${e.id}`);
      }),
    );
    await batchHandler!([on('a', 1), on('b', 1), on('a', 2)], infos(3));
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
  });

  it("leaves a failed event and its subject's later ones to the one-at-a-time delivery, not the other subjects", async () => {
    const calls: string[] = [];
    let failA1 = true;
    const subscription = bySubject<{ n: number }>(
      options(async (e) => {
        calls.push(e.id);
        if (e.id === 'a1' && failA1) {
          failA1 = false;
          throw new Error('once');
        }
      }),
    );
    const events = [on('a', 1), on('b', 1), on('a', 2), on('b', 2)];
    await expect(subscription.batchHandler!(events, infos(4))).rejects.toMatchObject({
      handled: [false, true, false, true],
    });
    calls.length = 0;
    failA1 = true;
    const items = events.map((raw, i) => ({ raw, info: infos(4)[i]!, deadLetter: async () => undefined }));
    const done = await deliverBatch(subscription, items, hooks().h);
    expect(done).toBe(4);
    expect(calls).toEqual(['a1', 'b1', 'b2', 'a1', 'a2']); // the batch, then a1 (again) and a2 alone
  });
});
