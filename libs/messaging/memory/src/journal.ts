import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nidus/ports';

/** One journaled bus record: an event at its place in a topic partition. */
export interface JournalRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: unknown;
}

/** Committed positions: group → topic → next offset to deliver, per partition. */
export type CommittedOffsets = Record<string, Record<string, number[]>>;

export interface JournalOptions {
  dir: string;
  logger: Logger;
  /** A segment is closed and a new one started past this size; default 64 MiB. */
  segmentBytes?: number;
  /** A closed segment older than this is deleted even if unconsumed; default 7 days, as Kafka's log.retention.hours. */
  retentionMs?: number;
}

interface Segment {
  readonly file: string;
  /** Highest offset per `topic/partition` in the segment, to decide when every group is past it. */
  readonly maxOffsets: Map<string, number>;
}

interface Pending {
  readonly lines: Buffer;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

const segmentName = (n: number) => `${String(n).padStart(12, '0')}.log`;
export const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * The in-process bus's write-ahead journal (ARCHITECTURE §6): JSON lines in numbered segment files.
 * Appends are group-committed — every append that arrives while a write+fdatasync is under way joins the next one —
 * so an acknowledged publish has reached the disk while a busy bus still pays one fsync per batch, not per event.
 * Committed consumer offsets are kept beside it in offsets.json (written atomically, debounced: a crash replays at
 * most the last moments' deliveries again, which at-least-once allows).
 */
export class Journal {
  private readonly segmentBytes: number;
  private readonly segments: Segment[] = [];
  private active!: { handle: FileHandle; segment: Segment; size: number; number: number };
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly options: JournalOptions) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
  }

  /** Opens the journal, replaying every intact record in order. A torn final line (a crash mid-write) is cut off. */
  static async open(
    options: JournalOptions,
  ): Promise<{ journal: Journal; records: JournalRecord[]; offsets: CommittedOffsets }> {
    mkdirSync(options.dir, { recursive: true });
    lockDirectory(options.dir);
    const journal = new Journal(options);
    const records = journal.replay();
    const last = journal.segments.at(-1);
    const number = last ? Number.parseInt(last.file, 10) : 0;
    const segment = last ?? { file: segmentName(0), maxOffsets: new Map<string, number>() };
    if (!last) journal.segments.push(segment);
    const path = join(options.dir, segment.file);
    const handle = await open(path, 'a');
    journal.active = { handle, segment, size: (await handle.stat()).size, number };
    return { journal, records, offsets: journal.readOffsets() };
  }

  /** Appends records; resolves once they are on disk. Order of appends is the order on disk. */
  append(records: readonly JournalRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    let text = '';
    for (const r of records) text += recordLine(r);
    const lines = Buffer.from(text); // outside the JS heap: what waits for the disk costs the GC nothing
    for (const r of records) this.active.segment.maxOffsets.set(partitionKey(r.topic, r.partition), r.offset);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ lines, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /**
   * Atomically replaces offsets.json (a new file, flushed, renamed over the old one), off the event loop: done
   * synchronously five times a second, its `fdatasync` held every request of the process for 1–2 ms, at times 18 ms.
   */
  async writeOffsets(offsets: CommittedOffsets): Promise<void> {
    const file = join(this.options.dir, 'offsets.json');
    const handle = await open(`${file}.tmp`, 'w');
    try {
      await handle.writeFile(JSON.stringify(offsets));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(`${file}.tmp`, file);
  }

  /**
   * Deletes the oldest closed segments that a restart would not need: each partition in them is below `needed` (by
   * `partitionKey`: the lowest offset the bus could still deliver, which must already be durable in offsets.json
   * where a group's position sets it), or they are older than the retention time (events nobody consumed, dead
   * letters). A segment of a partition absent from `needed` is kept.
   */
  release(needed: ReadonlyMap<string, number>): void {
    const retentionMs = this.options.retentionMs ?? 7 * 24 * 3600 * 1000;
    while (this.segments.length > 1 && this.segments[0] !== this.active.segment) {
      const oldest = this.segments[0]!;
      const path = join(this.options.dir, oldest.file);
      const released = [...oldest.maxOffsets].every(([key, max]) => (needed.get(key) ?? -1) > max);
      if (!released && statSync(path).mtimeMs >= Date.now() - retentionMs) break;
      this.segments.shift();
      // Off the event loop: unlinking a 64 MiB file takes the file system a while.
      rm(path, { force: true }).catch((error: unknown) =>
        this.options.logger.error({ err: error, file: oldest.file }, 'bus journal: segment not deleted'),
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.active.handle.close();
    rmSync(join(this.options.dir, 'LOCK'), { force: true });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const data = batch.map((p) => p.lines);
      try {
        await this.active.handle.writev(data);
        await this.active.handle.datasync();
        for (const lines of data) this.active.size += lines.length;
        batch.forEach((p) => p.resolve());
        if (this.active.size >= this.segmentBytes) await this.rotate();
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
    this.flushing = undefined;
  }

  private async rotate(): Promise<void> {
    await this.active.handle.close();
    const number = this.active.number + 1;
    const segment: Segment = { file: segmentName(number), maxOffsets: new Map() };
    this.segments.push(segment);
    const handle = await open(join(this.options.dir, segment.file), 'a');
    this.active = { handle, segment, size: 0, number };
  }

  private replay(): JournalRecord[] {
    const files = readdirSync(this.options.dir)
      .filter((f) => /^\d{12}\.log$/.test(f))
      .sort();
    const records: JournalRecord[] = [];
    files.forEach((file, index) => {
      const segment: Segment = { file, maxOffsets: new Map() };
      this.segments.push(segment);
      const path = join(this.options.dir, file);
      const text = readFileSync(path, 'utf8');
      let intact = 0; // bytes of whole, parseable lines
      for (const line of text.split('\n')) {
        if (intact + line.length >= text.length) break; // no newline after it: never acknowledged
        const record = parseRecord(line);
        if (!record) {
          this.options.logger.error({ file, byte: intact }, 'bus journal: unreadable record skipped');
        } else {
          records.push(record);
          segment.maxOffsets.set(partitionKey(record.topic, record.partition), record.offset);
        }
        intact += line.length + 1;
      }
      if (intact < text.length && index === files.length - 1) {
        this.options.logger.warn(
          { file, bytes: text.length - intact },
          'bus journal: torn final record cut off',
        );
        truncateSync(path, Buffer.byteLength(text.slice(0, intact)));
      }
    });
    return records;
  }

  private readOffsets(): CommittedOffsets {
    const file = join(this.options.dir, 'offsets.json');
    try {
      statSync(file);
    } catch {
      return {};
    }
    return JSON.parse(readFileSync(file, 'utf8')) as CommittedOffsets;
  }
}

/**
 * One process writes a journal: a second one on the same data directory would interleave segments. The LOCK file
 * names its owner; a lock whose process is gone (a crash) is taken over.
 */
function lockDirectory(dir: string): void {
  const lock = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(readFileSync(lock, 'utf8'), 10);
    if (owner === process.pid || !isAlive(owner)) rmSync(lock, { force: true });
    else
      throw new Error(
        `bus journal ${dir} is in use by process ${owner}; one Nidus process per data directory`,
      );
  }
  throw new Error(`bus journal ${dir}: could not take ${lock}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const noHeaders = '{}';

/** One record as a JSON line `{"t","p","o","h","e"}`; written by hand around the event, the one costly part. */
function recordLine(r: JournalRecord): string {
  const headers = Object.keys(r.headers).length === 0 ? noHeaders : JSON.stringify(r.headers);
  return `{"t":${JSON.stringify(r.topic)},"p":${r.partition},"o":${r.offset},"h":${headers},"e":${JSON.stringify(r.event) ?? 'null'}}\n`;
}

function parseRecord(line: string): JournalRecord | undefined {
  try {
    const r = JSON.parse(line) as { t?: unknown; p?: unknown; o?: unknown; h?: unknown; e?: unknown };
    if (typeof r.t !== 'string' || typeof r.p !== 'number' || typeof r.o !== 'number') return undefined;
    return {
      topic: r.t,
      partition: r.p,
      offset: r.o,
      headers: (r.h ?? {}) as Record<string, string>,
      event: r.e,
    };
  } catch {
    return undefined;
  }
}
