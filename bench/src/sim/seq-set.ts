/**
 * The sequence numbers (1, 2, 3, …) seen of one device, kept as "every number up to `floor`" plus the few above it:
 * a long run costs a few numbers of memory, not one per message.
 */
export class SeqSet {
  private floor = 0;
  private readonly above = new Set<number>();
  private total = 0;

  /** Adds `seq`; false when it was already there (a duplicate). */
  add(seq: number): boolean {
    if (this.has(seq)) return false;
    this.total++;
    if (seq !== this.floor + 1) this.above.add(seq);
    else {
      this.floor = seq;
      while (this.above.delete(this.floor + 1)) this.floor++;
    }
    return true;
  }

  has(seq: number): boolean {
    return seq <= this.floor ? seq > 0 : this.above.has(seq);
  }

  get size(): number {
    return this.total;
  }

  /** The numbers held, ascending from 1 to `floor`, then those above it in no particular order. */
  *values(): IterableIterator<number> {
    for (let s = 1; s <= this.floor; s++) yield s;
    yield* this.above;
  }
}

/** What a receiver (the application, or the devices for commands) counted, per device, against what was acked. */
export class Ledger {
  private readonly seen = new Map<string, SeqSet>();
  private readonly highest = new Map<string, number>();
  delivered = 0;
  duplicates = 0;
  /** Arrived after a higher number of the same device. */
  reordered = 0;
  lastAt = 0;

  record(device: string, seq: number): void {
    let set = this.seen.get(device);
    if (!set) this.seen.set(device, (set = new SeqSet()));
    this.lastAt = Date.now();
    if (!set.add(seq)) {
      this.duplicates++;
      return;
    }
    this.delivered++;
    const top = this.highest.get(device) ?? 0;
    if (seq < top) this.reordered++;
    else this.highest.set(device, seq);
  }

  has(device: string, seq: number): boolean {
    return this.seen.get(device)?.has(seq) ?? false;
  }

  /** The acked numbers this ledger never saw: lost after acknowledgement. */
  missing(acked: ReadonlyMap<string, SeqSet>): number {
    let lost = 0;
    for (const [device, set] of acked) for (const seq of set.values()) if (!this.has(device, seq)) lost++;
    return lost;
  }
}
