import type { ValidationMemo } from '@nidus/messaging-core';

/** A stored event; every group of the topic delivers this one object, validated once (ValidationMemo). */
export interface Entry extends ValidationMemo {
  readonly offset: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: unknown;
}

/** One partition of a topic: retained entries from `base` on, and waiters for the next append. */
export class PartitionLog {
  entries: Entry[] = [];
  /** Offset of entries[0]. */
  base = 0;
  /** Offset after the last visible entry. */
  next = 0;
  /** Offset the next publish gets; ahead of `next` while appends wait for the journal. */
  assigned = 0;
  private waiters: (() => void)[] = [];
  assign(): number {
    return this.assigned++;
  }
  push(entry: Entry): void {
    this.entries.push(entry);
    this.next = entry.offset + 1;
    this.assigned = Math.max(this.assigned, this.next);
    this.wake();
  }
  at(offset: number): Entry | undefined {
    return this.entries[offset - this.base];
  }
  /** Resolves on the next append or on `wake`. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
  trimBelow(offset: number): void {
    const drop = Math.min(offset - this.base, this.entries.length);
    if (drop <= 0) return;
    this.entries.splice(0, drop);
    this.base += drop;
  }
}
