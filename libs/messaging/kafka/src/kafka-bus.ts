import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Admin,
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  Partitioners,
  type Producer,
  logLevel,
} from 'kafkajs';
import { type EventEnvelope, type TopicDefinition, deadLetterTopicName } from '@nidus/contracts';
import {
  type EventBus,
  type Subscription,
  type SubscriptionOptions,
  deadLetterHeaders,
  defaultMaxBatch,
  deliver,
  deliverBatch,
} from '@nidus/messaging-core';
import { type HealthStatus, type Logger, probeHealth, silentLogger } from '@nidus/ports';
import { fromKafkaMessage, toKafkaMessage } from './cloudevents-binding';
import { ProduceBatcher } from './produce-batcher';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  /** Partitions of topics this bus creates; default 6. */
  partitions?: number;
  /** Replication factor of topics this bus creates; default 1 (a single-node dev broker), 3 in production. */
  replicationFactor?: number;
  /** Partitions one member works on at once, each in order; default 4. */
  partitionsConsumedConcurrently?: number;
  /** Consumer session timeout in ms; default 30 000 (kafkajs default). */
  sessionTimeoutMs?: number;
}

/**
 * The event bus over Apache Kafka (kafkajs). Events are keyed by subject (the device id), so the default partitioner
 * keeps one device's events in one partition, in order. Publishes are batched per tick and sent with acks=all;
 * consumers commit an offset only after the handler resolved for it (or it was dead-lettered).
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly batcher: ProduceBatcher;
  private readonly logger: Logger;
  private readonly knownTopics = new Set<string>();
  private readonly members = new Set<KafkaMember>();
  private closed = false;

  private constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? silentLogger;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        const fields = { kafka: entry.namespace, ...entry.log };
        if (entry.level <= logLevel.ERROR) this.logger.error(fields, entry.log.message);
        else this.logger.warn(fields, entry.log.message);
      },
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
    // The Java client's murmur2 partitioner: a device's events land in the partition any Kafka client would choose.
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
    this.batcher = new ProduceBatcher(this.producer);
  }

  /** Connects the producer and the admin client; rejects if no broker answers within the retry budget. */
  static async connect(options: KafkaBusOptions): Promise<KafkaEventBus> {
    const bus = new KafkaEventBus(options);
    await bus.producer.connect();
    await bus.admin.connect();
    return bus;
  }

  async publish<T>(topic: TopicDefinition<T>, events: readonly EventEnvelope<T>[]): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    await this.ensureTopic(topic.name);
    await this.batcher.send(
      topic.name,
      events.map((e) => toKafkaMessage(e)),
    );
  }

  async subscribe<T>(options: SubscriptionOptions<T>): Promise<Subscription> {
    if (this.closed) throw new Error('event bus is closed');
    const dlq = deadLetterTopicName(options.group);
    await this.ensureTopic(options.topic.name);
    await this.ensureTopic(dlq);
    const generic = options as SubscriptionOptions<unknown>;
    let closed = false;
    let member: KafkaMember;
    // kafkajs gives up on a consumer whose error it deems fatal (e.g. no group coordinator for the length of its
    // retries while the broker restarts): it disconnects and never starts again. The subscription does, with a new one.
    const lost = (error: unknown) => {
      if (closed || this.closed) return;
      this.logger.error({ group: options.group, err: error }, 'kafka: consumer stopped, joining again');
      this.members.delete(member);
      void member
        .stop()
        .then(() => this.rejoin(generic, dlq, lost, () => closed))
        .then((next) => {
          if (!next) return;
          member = next;
          this.members.add(member);
        });
    };
    member = await this.join(generic, dlq, lost);
    this.members.add(member);
    return {
      close: async () => {
        closed = true;
        this.members.delete(member);
        await member.stop();
      },
    };
  }

  /**
   * Starts a group member, again with a fresh consumer while the broker answers with a retriable error — a new
   * cluster answers "coordinator is loading" while it creates __consumer_offsets.
   */
  private async join(
    options: SubscriptionOptions<unknown>,
    dlq: string,
    lost: (error: unknown) => void,
  ): Promise<KafkaMember> {
    for (let attempt = 1; ; attempt++) {
      const member = new KafkaMember(this.kafka, this.options, options, dlq, this.batcher, lost);
      try {
        await member.start();
        return member;
      } catch (error) {
        await member.stop();
        if (attempt >= maxJoinAttempts || !isRetriable(error)) throw error;
        this.logger.warn(
          { group: options.group, attempt, err: error },
          'kafka: joining the group failed, retrying',
        );
        await sleep(Math.min(250 * 2 ** attempt, 5_000));
      }
    }
  }

  /** Joins again after a member was lost, for as long as it takes; undefined once the subscription or bus closed. */
  private async rejoin(
    options: SubscriptionOptions<unknown>,
    dlq: string,
    lost: (error: unknown) => void,
    closed: () => boolean,
  ): Promise<KafkaMember | undefined> {
    while (!closed() && !this.closed) {
      try {
        const member = await this.join(options, dlq, lost);
        if (!closed() && !this.closed) return member;
        await member.stop();
      } catch (error) {
        this.logger.warn({ group: options.group, err: error }, 'kafka: joining again failed, retrying');
        await sleep(5_000);
      }
    }
    return undefined;
  }

  async health(): Promise<HealthStatus> {
    if (this.closed) return { ok: false, detail: 'closed' };
    return probeHealth(async () => {
      const cluster = await this.admin.describeCluster();
      return { ok: cluster.brokers.length > 0, detail: `${cluster.brokers.length} broker(s)` };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.members].map((m) => m.stop()));
    this.members.clear();
    await this.batcher.drain();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** Creates a topic the first time this bus uses it; the broker runs with auto-creation off. */
  private async ensureTopic(name: string): Promise<void> {
    if (this.knownTopics.has(name)) return;
    await this.admin.createTopics({
      // Not kafkajs's waitForLeaders: while another process creates the same topic, its wait loop can reject outside
      // any awaited promise ("This server does not host this topic-partition"), an unhandled rejection.
      waitForLeaders: false,
      topics: [
        {
          topic: name,
          numPartitions: this.options.partitions ?? 6,
          replicationFactor: this.options.replicationFactor ?? 1,
        },
      ],
    });
    await this.waitForLeaders(name);
    this.knownTopics.add(name);
  }

  /** Polls the topic's metadata until every partition has a leader (a just-created topic has none for a moment). */
  private async waitForLeaders(name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [name] });
        const partitions = topics[0]?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
      } catch (error) {
        if (!isRetriable(error) || attempt >= 50) throw error;
      }
      if (attempt >= 50) throw new Error(`kafka: topic ${name} has no leaders after ${attempt} attempts`);
      await sleep(100);
    }
  }
}

/**
 * The Kafka consumer group of a port group on one topic. A port group is a service's name for all of its topics, but
 * Kafka assigns a group's partitions across every member whatever it subscribed to: members of one Kafka group that
 * subscribe to different topics receive partitions they ignore, and those events are never consumed. One Kafka group
 * per (group, topic) keeps each subscription whole.
 */
export function kafkaGroupId(group: string, topic: string): string {
  return `${group}.${topic}`;
}

/** One member of a consumer group: a kafkajs consumer that works partition by partition, in order. */
class KafkaMember {
  private readonly consumer: Consumer;
  private stopping = false;

  constructor(
    kafka: Kafka,
    private readonly bus: KafkaBusOptions,
    private readonly options: SubscriptionOptions<unknown>,
    private readonly dlq: string,
    private readonly batcher: ProduceBatcher,
    private readonly lost: (error: unknown) => void,
  ) {
    this.consumer = kafka.consumer({
      groupId: kafkaGroupId(options.group, options.topic.name),
      allowAutoTopicCreation: false,
      sessionTimeout: bus.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 1_000, // an idle long-poll also bounds how long leaving the group takes
      retry: { retries: 8 },
    });
  }

  /** Resolves once the member joined its group and has its partitions. */
  async start(): Promise<void> {
    const joined = new Promise<void>((resolve, reject) => {
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve());
      this.consumer.on(this.consumer.events.CRASH, (e) => reject(e.payload.error));
    });
    joined.catch(() => undefined); // a crash after start() gave up is the caller's retry, not an unhandled rejection
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic.name], fromBeginning: true });
    // After it joined: a crash kafkajs does not restart from is the subscription's to recover from. (A crash before
    // that rejects `joined`, which start() reports; this chain must not report it again as unhandled.)
    joined.then(
      () =>
        this.consumer.on(this.consumer.events.CRASH, (e) => {
          if (!e.payload.restart && !this.stopping) this.lost(e.payload.error);
        }),
      () => undefined,
    );
    await this.consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.bus.partitionsConsumedConcurrently ?? 4,
      eachBatch: async (payload) => {
        const { batch } = payload;
        const running = () => payload.isRunning() && !payload.isStale() && !this.stopping;
        const hooks = {
          stopping: () => !running(),
          sleep: async (ms: number) => {
            await sleep(ms);
            await payload.heartbeat();
          },
        };
        const size = this.options.batchHandler ? (this.options.maxBatch ?? defaultMaxBatch) : 1;
        for (let from = 0; from < batch.messages.length && running(); from += size) {
          const messages = batch.messages.slice(from, from + size);
          const items = messages.map((message) => ({
            raw: fromKafkaMessage(message),
            info: {
              topic: batch.topic,
              partition: batch.partition,
              offset: message.offset,
              headers: headersOf(message),
            },
            deadLetter: (reason: string, attempts: number) =>
              this.deadLetter(batch.topic, message, reason, attempts),
          }));
          let done: number;
          if (this.options.batchHandler) done = await deliverBatch(this.options, items, hooks);
          else {
            const [{ raw, info, deadLetter }] = items as [(typeof items)[number]];
            done = (await deliver(this.options, raw, info, { ...hooks, deadLetter })) === 'aborted' ? 0 : 1;
          }
          if (done > 0) payload.resolveOffset(messages[done - 1]!.offset);
          await payload.commitOffsetsIfNecessary();
          await payload.heartbeat();
          if (done < messages.length) break; // uncommitted: the partition's next owner delivers them again
        }
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect(); // waits for the batch in flight, commits resolved offsets
  }

  private async deadLetter(
    topic: string,
    message: KafkaMessage,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const headers: IHeaders = {
      ...message.headers,
      [deadLetterHeaders.topic]: topic,
      [deadLetterHeaders.group]: this.options.group,
      [deadLetterHeaders.error]: reason,
      [deadLetterHeaders.attempts]: String(attempts),
    };
    await this.batcher.send(this.dlq, [{ key: message.key, value: message.value, headers }]);
  }
}

const maxJoinAttempts = 8; // with the backoff, about 20 s

/** kafkajs marks errors a retry may cure (coordinator loading, leader moving, connection lost). */
function isRetriable(error: unknown): boolean {
  const e = error as { retriable?: unknown; originalError?: { retriable?: unknown } } | null;
  return (
    e?.retriable === true ||
    e?.originalError?.retriable === true ||
    (error as Error | null)?.name === 'KafkaJSNumberOfRetriesExceeded'
  );
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}
