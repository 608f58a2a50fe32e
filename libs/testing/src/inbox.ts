/** A promise with its resolvers, for tests that hand control between a handler and the test body. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * Collects what a handler receives and lets a test await a count of it (STYLE rule 9: await the event, never sleep).
 * `take` gives up after `timeoutMs` with what arrived so far, so a missing event fails the test with a clear message.
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private waiters: (() => void)[] = [];

  add(item: T): void {
    this.items.push(item);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  get count(): number {
    return this.items.length;
  }

  get all(): readonly T[] {
    return this.items;
  }

  /** Resolves with the first `n` items once they arrived. */
  async take(n: number, timeoutMs = 20_000): Promise<T[]> {
    await Inbox.until(
      () => this.items.length >= n,
      [this],
      timeoutMs,
      () => `expected ${n} items, got ${this.items.length}`,
    );
    return this.items.slice(0, n);
  }

  /** Resolves with the items of several inboxes once they hold `n` together. */
  static async takeTogether<T>(inboxes: Inbox<T>[], n: number, timeoutMs = 20_000): Promise<T[]> {
    const total = () => inboxes.reduce((sum, i) => sum + i.items.length, 0);
    await Inbox.until(
      () => total() >= n,
      inboxes,
      timeoutMs,
      () => `expected ${n} items together, got ${total()}`,
    );
    return inboxes.flatMap((i) => i.items);
  }

  private static async until(
    done: () => boolean,
    inboxes: Inbox<unknown>[],
    timeoutMs: number,
    message: () => string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms: ${message()}`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => inboxes.forEach((i) => i.waiters.push(resolve))),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, remaining))),
      ]);
      clearTimeout(timer);
    }
  }
}
