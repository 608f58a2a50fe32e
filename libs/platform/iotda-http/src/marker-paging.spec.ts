import { CountCache, markerPagingOf } from './marker-paging';

describe('markerPagingOf (spec 05 §1.5)', () => {
  it('defaults to 10 newest records', () => {
    expect(markerPagingOf({})).toEqual({ limit: 10, marker: 'ffffffffffffffffffffffff', offset: 0 });
  });

  it('answers each bad parameter with its own code', () => {
    const code = (q: Record<string, string>) => {
      try {
        markerPagingOf(q);
        return 'accepted';
      } catch (error) {
        return (error as { body(): { error_code: string } }).body().error_code;
      }
    };
    expect(code({ limit: '0' })).toBe('IOTDA.000017');
    expect(code({ limit: '51' })).toBe('IOTDA.000017');
    expect(code({ limit: 'ten' })).toBe('IOTDA.000017');
    expect(code({ offset: '501' })).toBe('IOTDA.000006');
    expect(code({ marker: 'FFFFFFFFFFFFFFFFFFFFFFFF' })).toBe('IOTDA.000006');
    expect(code({ limit: '50', offset: '500', marker: '0123456789abcdef01234567' })).toBe('accepted');
  });
});

describe('CountCache', () => {
  it('counts once for concurrent lists and again after its time or a write', async () => {
    let now = 0;
    let counted = 0;
    const cache = new CountCache(() => now, 2_000);
    const load = async () => {
      counted++;
      await new Promise((r) => setImmediate(r));
      return 42;
    };
    expect(await Promise.all([1, 2, 3].map(() => cache.count('t', 'k', load)))).toEqual([42, 42, 42]);
    expect(counted).toBe(1);
    now = 1_999;
    await cache.count('t', 'k', load);
    expect(counted).toBe(1);
    now = 2_001;
    await cache.count('t', 'k', load);
    expect(counted).toBe(2);
    cache.forget('t');
    await cache.count('t', 'k', load);
    expect(counted).toBe(3);
  });

  it('does not keep a failed count', async () => {
    const cache = new CountCache(() => 0);
    await expect(cache.count('t', 'k', () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    expect(await cache.count('t', 'k', async () => 7)).toBe(7);
  });
});
