import { OldestFirst } from './oldest-first';

describe('OldestFirst', () => {
  const item = (n: number) => ({ n, waiting: false });

  it('drops the oldest item still waiting, skipping those that started', () => {
    const q = new OldestFirst<ReturnType<typeof item>>();
    const items = [1, 2, 3, 4].map(item);
    items.forEach((i) => q.add(i));
    q.start(items[0]!);
    q.start(items[2]!);
    expect(q.size).toBe(2);
    expect(q.dropOldest()?.n).toBe(2);
    expect(items[1]!.waiting).toBe(false); // dropped: its lane skips it
    q.start(items[1]!);
    expect(q.size).toBe(1);
    expect(q.dropOldest()?.n).toBe(4);
    expect(q.dropOldest()).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('stays small when items start out of order while the oldest waits', () => {
    const q = new OldestFirst<ReturnType<typeof item>>();
    const stuck = item(0);
    q.add(stuck);
    for (let n = 1; n <= 100_000; n++) {
      const i = item(n);
      q.add(i);
      q.start(i);
    }
    expect(q.size).toBe(1);
    expect((q as unknown as { items: unknown[] }).items.length).toBeLessThanOrEqual(1026);
    expect(q.dropOldest()).toBe(stuck);
  });
});
