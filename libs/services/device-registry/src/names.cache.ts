/**
 * Names that answers carry beside ids (`app_name`, `product_name`), remembered for a few seconds: show_device would
 * otherwise read the space and the product on every call. This replica forgets a name as soon as it changes it;
 * another replica's change shows within `ttlMs`.
 */
export class NamesCache {
  private readonly entries = new Map<string, { name: string; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.name;
    const name = await load();
    if (name !== undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { name, until: this.now() + this.ttlMs });
    }
    return name;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
