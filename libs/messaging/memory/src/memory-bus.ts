import { setTimeout as sleep } from 'node:timers/promises';
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
import { type HealthStatus, type Logger, silentLogger } from '@nidus/ports';
import { type CommittedOffsets, Journal, type JournalRecord, partitionKey } from './journal';
import { type Entry, PartitionLog } from './partition-log';

/** How long the in-process bus starts by default (MemoryBusOptions.startupMs). */
export const defaultStartupMs = 20_000;

export interface MemoryBusOptions {
  /** Directory of the journal; without one the bus keeps nothing across restarts (tests, scripts). */
  dataDir?: string;
  logger?: Logger;
  /** Partitions per topic: the unit of ordering and of parallelism inside a group; default 8. */
  partitions?: number;
  /**
   * While the bus starts: events kept per partition of a topic no group consumes yet, for a service that subscribes a
   * moment after another one published (a group that joins later starts at the oldest kept); default 1 000.
   */
  retainUnconsumed?: number;
  /** How often committed offsets are written and consumed events dropped from memory; default 200 ms. */
  offsetFlushMs?: number;
  /**
   * How long the bus starts, default 20 s (the services of one process subscribe within a few seconds). Meanwhile, the
   * groups of the journal's committed offsets keep their events until they subscribe again, and topics nobody consumes
   * keep `retainUnconsumed` events. Afterwards a group that is not back is taken as gone, and a topic nobody consumes
   * keeps nothing: a group that subscribes later starts at the next event (Kafka's `auto.offset.reset=latest`).
   * Retained events are live heap that every young-generation collection copies and that ends in the old generation:
   * 16 000 of them (8 partitions × 2 000) made scavenges take 15–23 ms and caused a mark-sweep every second or two in
   * bench:mqtt, and p99 PUBACK latency at half the peak rate was 100–300 ms; with none kept, scavenges take 2–5 ms and
   * there are no mark-sweeps.
   */
  startupMs?: number;
  segmentBytes?: number;
}

interface Member {
  readonly options: SubscriptionOptions<unknown>;
  stopping: boolean;
  readonly workers: Map<number, Promise<void>>;
}

interface Group {
  readonly name: string;
  readonly topic: string;
  readonly members: Member[];
  /** Next offset to deliver, per partition. */
  readonly committed: number[];
}

/**
 * The in-process event bus of the embedded shape. Topics are split into partitions by subject, each group's members
 * share the partitions and deliver each partition's events one at a time, in order. With a data directory, every
 * publish is journaled (group commit, fdatasync) before it resolves and delivery resumes after a restart from the
 * committed offsets, so a crash loses nothing that was acknowledged. The exception is a topic of one instance's
 * lifetime (`TopicDefinition.lifetime`), which no one reads after a restart: kept in memory only.
 */
export class MemoryEventBus implements EventBus {
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  /** Topics some group consumes; the others keep only `unconsumedKept` events per partition. */
  private consumed = new Set<string>();
  /** While the bus starts (until then, ms since epoch; 0 once started): see `startupMs`. */
  private startingUntil: number;
  private unconsumedKept: number;
  private readonly partitions: number;
  private readonly logger: Logger;
  private readonly housekeeper: NodeJS.Timeout;
  private offsetsDirty = false;
  /** The write of the committed offsets under way, if any. */
  private offsetsWriting: Promise<void> | undefined;
  private appendChain: Promise<void> = Promise.resolve();
  private closing = false;
  private closed = false;

  private constructor(
    private readonly options: MemoryBusOptions,
    private readonly journal: Journal | undefined,
    private readonly restoredOffsets: CommittedOffsets,
  ) {
    this.partitions = options.partitions ?? 8;
    this.logger = options.logger ?? silentLogger;
    const startupMs = options.startupMs ?? defaultStartupMs;
    this.startingUntil = startupMs > 0 ? Date.now() + startupMs : 0;
    this.unconsumedKept = startupMs > 0 ? (options.retainUnconsumed ?? 1_000) : 0;
    for (const topics of Object.values(restoredOffsets))
      for (const topic of Object.keys(topics)) this.consumed.add(topic);
    this.housekeeper = setInterval(() => this.housekeeping(), options.offsetFlushMs ?? 200);
    this.housekeeper.unref();
  }

  static async open(options: MemoryBusOptions = {}): Promise<MemoryEventBus> {
    if (!options.dataDir) return new MemoryEventBus(options, undefined, {});
    const logger = options.logger ?? silentLogger;
    const opened = await Journal.open({ dir: options.dataDir, logger, segmentBytes: options.segmentBytes });
    const bus = new MemoryEventBus(options, opened.journal, opened.offsets);
    for (const r of opened.records) bus.partitionLog(r.topic, r.partition).push(r);
    logger.info({ records: opened.records.length, dir: options.dataDir }, 'bus journal replayed');
    return bus;
  }

  async publish<T>(topic: TopicDefinition<T>, events: readonly EventEnvelope<T>[]): Promise<void> {
    await this.append(
      topic.name,
      events.map((event) => ({ event, headers: {} })),
      topic.lifetime !== 'instance',
    );
  }

  async subscribe<T>(options: SubscriptionOptions<T>): Promise<Subscription> {
    if (this.closing) throw new Error('event bus is closed');
    deadLetterTopicName(options.group); // validates the group name
    const group = this.group(options.group, options.topic.name);
    const member: Member = {
      options: options as SubscriptionOptions<unknown>,
      stopping: false,
      workers: new Map(),
    };
    await this.rebalance(group, () => group.members.push(member));
    return {
      close: () => this.rebalance(group, () => group.members.splice(group.members.indexOf(member), 1)),
    };
  }

  async health(): Promise<HealthStatus> {
    return this.closed
      ? { ok: false, detail: 'closed' }
      : { ok: true, detail: this.journal ? 'journaled' : 'volatile' };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true; // no new members; in-flight handlers may still dead-letter while they finish
    for (const group of this.groups.values()) await this.rebalance(group, () => group.members.splice(0));
    this.closed = true;
    await this.appendChain;
    clearInterval(this.housekeeper);
    await this.offsetsWriting;
    await this.writeOffsets();
    await this.journal?.close();
  }

  /**
   * Assigns offsets, journals (unless `journaled` is false: a topic of one instance's lifetime), then makes the entries
   * visible to consumers — in publish order.
   */
  private append(
    topic: string,
    items: readonly { event: unknown; headers: Record<string, string> }[],
    journaled = true,
  ): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    const records: JournalRecord[] = items.map(({ event, headers }) => {
      const partition = partitionFor(subjectOf(event), this.partitions);
      return { topic, partition, offset: this.partitionLog(topic, partition).assign(), headers, event };
    });
    if (!this.journal || !journaled) {
      // Nothing to wait for; a topic's appends are all journaled or none, so its order is kept.
      this.show(topic, records);
      return Promise.resolve();
    }
    const durable = this.journal.append(records);
    // Visibility follows journal order: a record is delivered only once it and everything before it is durable.
    const visible = this.appendChain.then(() => durable).then(() => this.show(topic, records));
    this.appendChain = visible.catch(() => undefined);
    return visible;
  }

  /** Makes records visible to the topic's consumers; a topic nobody consumes keeps only its retention. */
  private show(topic: string, records: readonly JournalRecord[]): void {
    for (const r of records) {
      const log = this.partitionLog(r.topic, r.partition);
      log.push(r);
      // Trimmed here, not only by the housekeeper: at 10k events/s its 200 ms would keep thousands alive.
      if (log.entries.length >= 2 * this.unconsumedKept && !this.consumed.has(topic))
        log.trimBelow(log.next - this.unconsumedKept);
    }
  }

  private partitionLog(topic: string, partition: number): PartitionLog {
    let logs = this.logs.get(topic);
    if (!logs) {
      logs = Array.from({ length: this.partitions }, () => new PartitionLog());
      this.logs.set(topic, logs);
    }
    while (logs.length <= partition) logs.push(new PartitionLog()); // a journal written with more partitions
    return logs[partition]!;
  }

  private group(name: string, topic: string): Group {
    const key = groupKey(name, topic);
    let group = this.groups.get(key);
    if (!group) {
      const restored = this.restoredOffsets[name]?.[topic] ?? [];
      const logs = this.logs.get(topic) ?? [];
      const committed = Array.from({ length: Math.max(this.partitions, logs.length) }, (_, p) =>
        Math.max(restored[p] ?? 0, this.partitionLog(topic, p).base),
      );
      group = { name, topic, members: [], committed };
      this.groups.set(key, group);
      this.consumed.add(topic);
      this.offsetsDirty = true; // a new group's place is kept across a restart even before it consumes anything
    }
    return group;
  }

  /** Stops the group's workers (in-flight handlers finish), applies the membership change, restarts the workers. */
  private async rebalance(group: Group, change: () => void): Promise<void> {
    const members = [...group.members];
    members.forEach((m) => (m.stopping = true));
    for (const p of group.committed.keys()) this.partitionLog(group.topic, p).wake();
    await Promise.all(members.flatMap((m) => [...m.workers.values()]));
    members.forEach((m) => {
      m.stopping = false;
      m.workers.clear();
    });
    change();
    if (this.closing || group.members.length === 0) return;
    group.committed.forEach((_, partition) => {
      const member = group.members[partition % group.members.length]!;
      member.workers.set(partition, this.work(group, member, partition));
    });
  }

  /** Delivers one partition to one member, in order (in batches to a batch handler), until the member stops. */
  private async work(group: Group, member: Member, partition: number): Promise<void> {
    const log = this.partitionLog(group.topic, partition);
    const maxBatch = member.options.batchHandler ? (member.options.maxBatch ?? defaultMaxBatch) : 1;
    while (!member.stopping) {
      const offset = group.committed[partition]!;
      const entries: Entry[] = [];
      for (let e = log.at(offset); e && entries.length < maxBatch; e = log.at(offset + entries.length))
        entries.push(e);
      if (entries.length === 0) {
        await log.changed();
        continue;
      }
      let done: number;
      try {
        done = await this.deliver(group, member, partition, entries);
      } catch (error) {
        // Only dead-lettering can throw here (the journal failed): keep the events, try again shortly.
        this.logger.error(
          { err: error, topic: group.topic, group: group.name, partition, offset },
          'bus: delivery failed',
        );
        await sleep(1_000);
        continue;
      }
      if (done > 0) {
        group.committed[partition] = offset + done;
        this.offsetsDirty = true;
      }
      if (done < entries.length) return; // the member stopped: the rest goes to the partition's next owner
    }
  }

  /** Hands consecutive entries to the member; how many from the front are done. */
  private async deliver(group: Group, member: Member, partition: number, entries: Entry[]): Promise<number> {
    const hooks = { stopping: () => member.stopping, sleep: (ms: number) => sleep(ms) };
    const item = (entry: Entry) => ({
      raw: entry.event,
      info: { topic: group.topic, partition, offset: String(entry.offset), headers: entry.headers },
      deadLetter: (reason: string, attempts: number) =>
        this.deadLetter(group, partition, entry, reason, attempts),
      memo: entry,
    });
    if (member.options.batchHandler) return deliverBatch(member.options, entries.map(item), hooks);
    const { raw, info, deadLetter, memo } = item(entries[0]!);
    return (await deliver(member.options, raw, info, { ...hooks, deadLetter }, memo)) === 'aborted' ? 0 : 1;
  }

  private async deadLetter(
    group: Group,
    partition: number,
    entry: Entry,
    reason: string,
    attempts: number,
  ): Promise<void> {
    this.logger.warn(
      { topic: group.topic, group: group.name, partition, offset: entry.offset, reason },
      'event dead-lettered',
    );
    await this.append(deadLetterTopicName(group.name), [
      {
        event: entry.event,
        headers: {
          ...entry.headers,
          [deadLetterHeaders.topic]: group.topic,
          [deadLetterHeaders.group]: group.name,
          [deadLetterHeaders.error]: reason,
          [deadLetterHeaders.attempts]: String(attempts),
        },
      },
    ]);
  }

  /**
   * Every `offsetFlushMs`: writes committed offsets (if any changed), drops from memory what no group needs, then lets
   * the journal delete the segments a restart would not need (only once the offsets behind that are on disk).
   */
  private housekeeping(): void {
    if (this.startingUntil !== 0 && Date.now() >= this.startingUntil) {
      this.startingUntil = 0; // groups that did not come back are gone
      this.consumed = new Set([...this.groups.values()].map((g) => g.topic));
      this.unconsumedKept = 0;
    }
    if (this.offsetsWriting) return; // the last write is still under way: all of this next time
    const written = this.writeOffsets();
    const needed = new Map<string, number>();
    for (const [topic, logs] of this.logs) {
      this.trim(topic);
      logs.forEach((log, p) => needed.set(partitionKey(topic, p), log.base));
    }
    const journal = this.journal;
    if (!journal) return;
    // A segment goes only once the offsets that make it unneeded are on disk.
    if (!written) journal.release(needed);
    else
      this.offsetsWriting = written
        .then((ok) => {
          if (ok) journal.release(needed);
        })
        .finally(() => (this.offsetsWriting = undefined));
  }

  /** Writes the committed offsets if they changed: true once they are on disk, false if that failed. */
  private writeOffsets(): Promise<boolean> | undefined {
    if (!this.offsetsDirty || !this.journal) return undefined;
    this.offsetsDirty = false;
    const offsets: CommittedOffsets = { ...this.restoredOffsets };
    for (const g of this.groups.values())
      offsets[g.name] = { ...offsets[g.name], [g.topic]: [...g.committed] };
    return this.journal.writeOffsets(offsets).then(
      () => true,
      (error: unknown) => {
        this.offsetsDirty = true;
        this.logger.error({ err: error }, 'bus: committed offsets not written');
        return false;
      },
    );
  }

  /** Drops from memory what every group of the topic has consumed, or what exceeds the unconsumed retention. */
  private trim(topic: string): void {
    const positions = [...this.groups.values()].filter((g) => g.topic === topic).map((g) => g.committed);
    if (this.startingUntil !== 0)
      for (const [name, topics] of Object.entries(this.restoredOffsets)) {
        const restored = topics[topic];
        if (restored && !this.groups.has(groupKey(name, topic))) positions.push(restored);
      }
    (this.logs.get(topic) ?? []).forEach((log, p) => {
      const floor = positions.length
        ? Math.min(...positions.map((committed) => committed[p] ?? 0))
        : log.next - this.unconsumedKept;
      log.trimBelow(floor);
    });
  }
}

const groupKey = (name: string, topic: string) => `${name}\u0000${topic}`;

function subjectOf(event: unknown): string {
  const subject = (event as { subject?: unknown } | null)?.subject;
  return typeof subject === 'string' ? subject : '';
}

/** FNV-1a 32-bit hash of the key, modulo the partition count: the same subject always lands in one partition. */
export function partitionFor(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
