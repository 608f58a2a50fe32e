import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  let now = 0;
  let loads = 0;
  const load = async () => {
    loads++;
    await new Promise((r) => setImmediate(r));
    return 'value';
  };
  beforeEach(() => {
    now = 0;
    loads = 0;
  });

  it('loads once for concurrent callers and again after its time or when told to forget', async () => {
    const cache = new TtlCache<string>(() => now, 1_000);
    expect(await Promise.all([1, 2, 3].map(() => cache.get('k', load)))).toEqual(['value', 'value', 'value']);
    expect(loads).toBe(1);
    now = 999;
    await cache.get('k', load);
    expect(loads).toBe(1);
    now = 1_001;
    await cache.get('k', load);
    expect(loads).toBe(2);
    cache.forget('k');
    await cache.get('k', load);
    expect(loads).toBe(3);
    cache.forgetPrefix('k');
    await cache.get('k', load);
    expect(loads).toBe(4);
  });

  it('remembers neither an absent value nor a failure', async () => {
    const cache = new TtlCache<string>(() => now, 1_000);
    expect(await cache.get('k', async () => undefined)).toBeUndefined();
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', load)).toBe('value');
  });

  it('stays within its bound', async () => {
    const cache = new TtlCache<string>(() => now, 1_000, 2);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load); // full: forgets a and b
    await cache.get('a', load);
    expect(loads).toBe(4);
  });
});
