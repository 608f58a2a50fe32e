/**
 * Values remembered for `ttlMs` after they were loaded, with one load at a time per key: callers that ask while a
 * load runs wait for it instead of loading again. A load that yields undefined or fails is not remembered. Bounded:
 * at `maxEntries` everything is forgotten at once (cheap, and a cache of this kind refills in one round).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: Promise<V | undefined>; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const entry = { value: load(), until: Infinity };
    this.entries.set(key, entry);
    try {
      const value = await entry.value;
      if (value === undefined) this.drop(key, entry);
      else entry.until = this.now() + this.ttlMs;
      return value;
    } catch (error) {
      this.drop(key, entry);
      throw error;
    }
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key that starts with `prefix`. */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private drop(key: string, entry: object): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
