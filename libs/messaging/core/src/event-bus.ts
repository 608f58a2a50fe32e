import type { EventEnvelope, TopicDefinition } from '@nidus/contracts';
import type { HealthStatus } from '@nidus/ports';

/**
 * The event bus port (ARCHITECTURE §2). Two adapters implement it — in-process (messaging-memory) and Apache Kafka
 * (messaging-kafka) — and both pass the one contract suite in libs/testing (`describeEventBusContract`).
 *
 * Guarantees every adapter gives:
 * - `publish` resolves only when the events are durable (Kafka acks=all; the in-process journal fsync'd);
 * - events are partitioned by `subject` (the device id) and delivered in publish order per subject;
 * - each consumer group receives every event at least once; members of one group share the partitions;
 * - a group's position advances only after its handler resolved for the event (or the event was dead-lettered);
 * - a failing handler is retried with backoff; after `maxAttempts` the event goes to the group's dead-letter topic
 *   (`deadLetterTopicName(group)`) with the failure in its headers, and the group moves on;
 * - CloudEvents attributes and `traceparent` travel with the event (as headers on Kafka).
 */
export interface EventBus {
  /** Publishes a batch of events to one topic; resolves when all are durable. */
  publish<T>(topic: TopicDefinition<T>, events: readonly EventEnvelope<T>[]): Promise<void>;
  /** Joins a consumer group; resolves when the member is receiving. */
  subscribe<T>(subscription: SubscriptionOptions<T>): Promise<Subscription>;
  /** Readiness of the bus connection, for /health/ready. */
  health(): Promise<HealthStatus>;
  /** Flushes pending publishes, leaves every group (in-flight handlers finish first) and disconnects. */
  close(): Promise<void>;
}

export interface SubscriptionOptions<T> {
  topic: TopicDefinition<T>;
  /** Consumer group: lowercase words joined by '-', conventionally the owning service, e.g. `shadow`. */
  group: string;
  handler: EventHandler<T>;
  /**
   * Optional fast path: consecutive events of one partition handed over together (up to `maxBatch`, in publish
   * order); the group's position moves past all of them once it resolves. A batch that fails is not retried as a
   * batch: its events go again one at a time through `handler`, with its retries and dead-lettering, so an event may be
   * handled twice (at least once, as always).
   */
  batchHandler?: BatchHandler<T>;
  /** Most events in one batch; default 256. */
  maxBatch?: number;
  /** Attempts per event before it is dead-lettered; default 5. Invalid data is dead-lettered at once. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt; default 100. */
  retryBackoffMs?: number;
}

/** Handles one event. The event may be shared with the other groups of the process: a handler never modifies it. */
export type EventHandler<T> = (event: EventEnvelope<T>, delivery: DeliveryInfo) => Promise<void>;

/** Handles consecutive events of one partition, valid ones only, with the delivery of each (same indexes). */
export type BatchHandler<T> = (
  events: readonly EventEnvelope<T>[],
  deliveries: readonly DeliveryInfo[],
) => Promise<void>;

export interface DeliveryInfo {
  readonly topic: string;
  readonly partition: number;
  /** Position in the partition; increases with publish order. */
  readonly offset: string;
  /** 1 on first delivery to this member. */
  readonly attempt: number;
  /** Transport headers, e.g. the `x-dead-letter-*` headers on a dead-lettered event. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface Subscription {
  /** Leaves the group after the in-flight handler (if any) finished; its partitions go to the other members. */
  close(): Promise<void>;
}

/** Headers set on a dead-lettered event. */
export const deadLetterHeaders = {
  topic: 'x-dead-letter-topic',
  group: 'x-dead-letter-group',
  error: 'x-dead-letter-error',
  attempts: 'x-dead-letter-attempts',
} as const;
