import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '@nidus/ports';

/**
 * Record IDs for marker paging (spec 05 §1.5): 24 lower-case hex digits that grow with creation time, like a MongoDB
 * ObjectId — 4 bytes of Unix seconds, 5 bytes chosen per generator (so two processes never collide), 3 bytes of a
 * counter. Within one generator every ID is larger than the one before, even within one second.
 */
export class RecordIdGenerator {
  private readonly node: string;
  private lastSecond = 0;
  private counter: number;

  constructor(private readonly clock: Clock = systemClock) {
    this.node = randomBytes(5).toString('hex');
    this.counter = randomBytes(3).readUIntBE(0, 3) & 0x7fffff; // start low enough to leave room before a wrap
  }

  next(): string {
    let second = Math.floor(this.clock.now() / 1000);
    if (second < this.lastSecond) second = this.lastSecond; // the clock stepped back: stay monotonic
    if (second > this.lastSecond) this.lastSecond = second;
    this.counter = (this.counter + 1) & 0xffffff;
    if (this.counter === 0) this.lastSecond = ++second; // 16M IDs in one second: borrow the next second
    return hex(this.lastSecond, 8) + this.node + hex(this.counter, 6);
  }
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

export function isRecordId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}

/** The lowest record ID of a moment (ms since epoch): IDs created at or after it compare ≥ (spec 05 §1.5). */
export function firstRecordIdAt(ms: number): string {
  return hex(Math.max(0, Math.floor(ms / 1000)), 8) + '0'.repeat(16);
}

/**
 * The record ids created from `startMs` through the second of `endMs` (either end open when undefined): a creation-time
 * filter over records keyed by record id (spec 05 §1.5). Undefined when neither end is given.
 */
export function recordIdRange(startMs?: number, endMs?: number): { from?: string; to?: string } | undefined {
  if (startMs === undefined && endMs === undefined) return undefined;
  return {
    ...(startMs === undefined ? {} : { from: firstRecordIdAt(startMs) }),
    ...(endMs === undefined ? {} : { to: firstRecordIdAt(endMs + 1000) }),
  };
}
