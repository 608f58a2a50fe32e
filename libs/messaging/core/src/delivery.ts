import { type EventEnvelope, type TopicDefinition, eventEnvelopeSchema } from '@nidus/contracts';
import { errorMessage } from '@nidus/ports';
import type { DeliveryInfo, SubscriptionOptions } from './event-bus';

export const defaultMaxAttempts = 5;
export const defaultMaxBatch = 256;
export const defaultRetryBackoffMs = 100; // ms, doubled per attempt
const maxRetryBackoffMs = 30_000; // ms

/** How one delivery ended: the group's position may advance past `handled` and `dead-lettered`, never `aborted`. */
export type DeliveryOutcome = 'handled' | 'dead-lettered' | 'aborted';

export interface DeliveryHooks {
  /** Parks the raw event on the group's dead-letter topic; must be durable before it resolves. */
  deadLetter(reason: string, attempts: number): Promise<void>;
  /** True once the member is leaving: retries stop and the event stays uncommitted for the next owner. */
  stopping(): boolean;
  /** Waits between attempts; adapters keep group membership alive meanwhile (Kafka heartbeats). */
  sleep(ms: number): Promise<void>;
}

/**
 * Where an adapter that hands one stored event to several groups keeps its validation, so that each event is checked
 * once per topic rather than once per group (the in-process bus: a property report has two consumer groups, and its
 * two checks cost about a tenth of the gateway's CPU per publish in bench:mqtt). The groups then share the validated
 * event, which is why handlers must not modify what they are given.
 */
export interface ValidationMemo {
  checked?: { readonly topic: TopicDefinition<unknown>; readonly result: EventEnvelope<unknown> | string };
}

/**
 * Delivers one event to a group member's handler, the same way in every adapter:
 *   1. validate the envelope and the data against the topic (STYLE rule 5) — invalid events are poison, dead-lettered at once;
 *   2. call the handler, retrying failures with exponential backoff up to `maxAttempts`;
 *   3. dead-letter the event when the attempts are used up, so the partition moves on.
 */
export async function deliver<T>(
  options: SubscriptionOptions<T>,
  raw: unknown,
  info: Omit<DeliveryInfo, 'attempt'>,
  hooks: DeliveryHooks,
  memo?: ValidationMemo,
): Promise<DeliveryOutcome> {
  const event = validateOnce(options, raw, memo);
  if (typeof event === 'string') {
    await hooks.deadLetter(event, 0);
    return 'dead-lettered';
  }
  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
  const backoff = options.retryBackoffMs ?? defaultRetryBackoffMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await options.handler(event, { ...info, attempt });
      return 'handled';
    } catch (error) {
      if (attempt >= maxAttempts) {
        await hooks.deadLetter(errorMessage(error), attempt);
        return 'dead-lettered';
      }
    }
    if (hooks.stopping()) return 'aborted';
    await hooks.sleep(Math.min(backoff * 2 ** (attempt - 1), maxRetryBackoffMs));
    if (hooks.stopping()) return 'aborted';
  }
}

/**
 * Thrown by a batch handler that handled some of its events: only the others (`handled[i]` false, by the index of the
 * events it was given) go again one at a time.
 */
export class BatchIncomplete extends Error {
  constructor(
    readonly handled: readonly boolean[],
    readonly firstError: unknown,
  ) {
    super(`batch incomplete: ${handled.filter((h) => !h).length} of ${handled.length} not handled`);
  }
}

/**
 * A subscription whose handler needs only per-subject order, given a `batchHandler` too: in a batch, each subject's
 * events run one after another, different subjects side by side (their writes then share commits). When one fails,
 * its subject's later events of the batch wait for the one-at-a-time delivery; other subjects are not run again.
 */
export function bySubject<T>(options: SubscriptionOptions<T>): SubscriptionOptions<T> {
  const { handler } = options;
  return {
    ...options,
    batchHandler: async (events, deliveries) => {
      const handled = events.map(() => false);
      const chains = new Map<string, Promise<void>>();
      let firstError: unknown;
      events.forEach((event, i) => {
        const previous = chains.get(event.subject) ?? Promise.resolve();
        chains.set(
          event.subject,
          previous.then(async () => {
            if (firstError !== undefined && !previousHandled(events, handled, i)) return;
            try {
              await handler(event, deliveries[i]!);
              handled[i] = true;
            } catch (error) {
              firstError ??= error;
            }
          }),
        );
      });
      await Promise.all(chains.values());
      if (handled.includes(false)) throw new BatchIncomplete(handled, firstError);
    },
  };
}

/** Whether the event before `i` of the same subject, if any, was handled. */
function previousHandled<T>(events: readonly EventEnvelope<T>[], handled: boolean[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) if (events[j]!.subject === events[i]!.subject) return handled[j]!;
  return true;
}

/** One event of a batch, as its adapter stored it. */
export interface BatchItem {
  readonly raw: unknown;
  readonly info: Omit<DeliveryInfo, 'attempt'>;
  /** Parks this event on the group's dead-letter topic (durable before it resolves). */
  readonly deadLetter: DeliveryHooks['deadLetter'];
  readonly memo?: ValidationMemo;
}

/**
 * Delivers consecutive events of one partition to a member with a `batchHandler`, the same way in every adapter:
 * invalid events are dead-lettered at once; the valid ones go to the batch handler together; if it fails, each goes
 * again alone through `deliver` (the handler, its retries, dead-lettering). Returns how many events from the front are
 * done: all of them, or fewer when the member stopped (the rest stay uncommitted).
 */
export async function deliverBatch<T>(
  options: SubscriptionOptions<T>,
  items: readonly BatchItem[],
  hooks: Omit<DeliveryHooks, 'deadLetter'>,
): Promise<number> {
  const valid: { event: EventEnvelope<T>; index: number }[] = [];
  for (const [index, item] of items.entries()) {
    const event = validateOnce(options, item.raw, item.memo);
    if (typeof event === 'string') await item.deadLetter(event, 0);
    else valid.push({ event, index });
  }
  if (valid.length === 0) return items.length;
  let handled: readonly boolean[] = [];
  try {
    await options.batchHandler!(
      valid.map((v) => v.event),
      valid.map((v) => ({ ...items[v.index]!.info, attempt: 1 })),
    );
    return items.length;
  } catch (error) {
    // one at a time below (but what the handler says it handled): a failing event is retried and dead-lettered alone
    if (error instanceof BatchIncomplete) handled = error.handled;
  }
  for (const [k, { index }] of valid.entries()) {
    if (handled[k]) continue;
    if (hooks.stopping()) return index;
    const item = items[index]!;
    const outcome = await deliver(
      options,
      item.raw,
      item.info,
      { ...hooks, deadLetter: item.deadLetter },
      item.memo,
    );
    if (outcome === 'aborted') return index;
  }
  return items.length;
}

function validateOnce<T>(
  options: SubscriptionOptions<T>,
  raw: unknown,
  memo: ValidationMemo | undefined,
): EventEnvelope<T> | string {
  if (!memo) return validate(options, raw);
  const topic = options.topic as TopicDefinition<unknown>;
  if (memo.checked?.topic !== topic) memo.checked = { topic, result: validate(options, raw) };
  return memo.checked.result as EventEnvelope<T> | string;
}

/** The event, or why it is not a valid event of the topic. */
function validate<T>(options: SubscriptionOptions<T>, raw: unknown): EventEnvelope<T> | string {
  const envelope = eventEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return `invalid envelope: ${envelope.error.issues.map(issueText).join('; ')}`;
  if (envelope.data.type !== options.topic.type) {
    return `event type ${envelope.data.type} does not belong on ${options.topic.name} (${options.topic.type})`;
  }
  const data = options.topic.schema.safeParse(envelope.data.data);
  if (!data.success) return `invalid data: ${data.error.issues.map(issueText).join('; ')}`;
  return { ...envelope.data, data: data.data };
}

function issueText(issue: { path: PropertyKey[]; message: string }): string {
  return issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;
}
