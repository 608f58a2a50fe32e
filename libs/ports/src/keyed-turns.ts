/**
 * Work run one at a time per key, in the order it was asked for; different keys run side by side. A key holds
 * nothing once its last work settled. One work failing does not stop the next one of its key.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<void>>();

  run<R>(key: string, work: () => Promise<R>): Promise<R> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => this.tails.get(key) === tail && this.tails.delete(key));
    return result;
  }

  /** Keys with work running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
