/** An item that is waiting until it starts or is dropped. */
export interface Waiting {
  waiting: boolean;
}

/**
 * Items in the order they came, for dropping the oldest that still waits: items leave out of order (each starts when
 * its own lane gets to it), so a started one is only marked and skipped later. `add`, `start` and `dropOldest` are
 * O(1) amortised; the array is compacted once it holds more than twice what waits.
 */
export class OldestFirst<T extends Waiting> {
  private items: T[] = [];
  private head = 0;
  private count = 0;

  /** How many wait. */
  get size(): number {
    return this.count;
  }

  add(item: T): void {
    item.waiting = true;
    this.items.push(item);
    this.count++;
  }

  /** A waiting item stops waiting: it started. */
  start(item: T): void {
    if (!item.waiting) return;
    item.waiting = false;
    this.count--;
    if (this.items.length - this.head > 2 * this.count + 1024) this.compact();
  }

  /** Takes the oldest waiting item out (it will not start), if any. */
  dropOldest(): T | undefined {
    while (this.head < this.items.length && !this.items[this.head]!.waiting) this.head++;
    const oldest = this.items[this.head];
    if (!oldest) return undefined;
    this.head++;
    oldest.waiting = false;
    this.count--;
    return oldest;
  }

  private compact(): void {
    this.items = this.items.slice(this.head).filter((item) => item.waiting);
    this.head = 0;
  }
}
