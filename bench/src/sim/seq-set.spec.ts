import { Ledger, SeqSet } from './seq-set';

// The counts the fault suite and the soak judge by: a wrong one would pass a run that lost reports.

describe('SeqSet', () => {
  it('holds numbers given in any order, counts each once, and lists them all', () => {
    const set = new SeqSet();
    expect([3, 1, 2, 5, 2, 7, 4].map((n) => set.add(n))).toEqual([true, true, true, true, false, true, true]);
    expect(set.size).toBe(6);
    expect([...set.values()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 7]);
    expect([0, 6, 8].map((n) => set.has(n))).toEqual([false, false, false]);
  });
});

describe('Ledger', () => {
  const acked = (entries: Record<string, number[]>) =>
    new Map(
      Object.entries(entries).map(([device, seqs]) => {
        const set = new SeqSet();
        seqs.forEach((s) => set.add(s));
        return [device, set] as const;
      }),
    );

  it('finds every acknowledged number that never arrived, per device', () => {
    const ledger = new Ledger();
    [1, 2, 4].forEach((s) => ledger.record('a', s));
    ledger.record('b', 1);
    expect(ledger.missing(acked({ a: [1, 2, 3, 4], b: [1, 2], c: [1] }))).toBe(1 + 1 + 1);
    expect(ledger.missing(acked({ a: [1, 2, 4], b: [1] }))).toBe(0);
  });

  it('counts duplicates and what arrived after a higher number of its device, apart from deliveries', () => {
    const ledger = new Ledger();
    [1, 3, 2, 3, 4].forEach((s) => ledger.record('a', s));
    [2, 1].forEach((s) => ledger.record('b', s));
    expect({
      delivered: ledger.delivered,
      duplicates: ledger.duplicates,
      reordered: ledger.reordered,
    }).toEqual({
      delivered: 6,
      duplicates: 1,
      reordered: 2,
    });
  });
});
