import { SourceGuard, sourceKey } from './source-guard';

describe('SourceGuard', () => {
  let now = 0;
  const clock = () => now;
  const guard = (maxSources?: number) =>
    new SourceGuard({ perMin: 6, burst: 3, blockS: 30, ...(maxSources ? { maxSources } : {}) }, clock);
  beforeEach(() => (now = 1_000_000));

  it('blocks a source whose failures outrun its burst, for the block time, and only that source', () => {
    const g = guard();
    expect([1, 2, 3].map(() => g.fail('10.0.0.1'))).toEqual([false, false, false]);
    expect(g.blocked('10.0.0.1')).toBe(false);
    expect(g.fail('10.0.0.1')).toBe(true);
    expect(g.blocked('10.0.0.1')).toBe(true);
    expect(g.blocked('10.0.0.2')).toBe(false);
    expect(g.fail('10.0.0.1')).toBe(false); // already blocked: not blocked again
    expect(g.blockedCount()).toBe(1);
    now += 30_000;
    expect(g.blocked('10.0.0.1')).toBe(false);
    expect(g.blockedCount()).toBe(0);
  });

  it('lets a source fail at its per-minute rate for ever', () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.fail('10.0.0.1');
    for (let i = 0; i < 20; i++) {
      now += 10_000; // 6 per minute
      expect(g.fail('10.0.0.1')).toBe(false);
    }
    expect(g.blocked('10.0.0.1')).toBe(false);
  });

  it('gives a source that served its block its budget back as the block refilled it', () => {
    const g = guard();
    for (let i = 0; i < 4; i++) g.fail('10.0.0.1');
    now += 30_000; // 3 tokens back during the block, one owed
    expect([1, 2].map(() => g.fail('10.0.0.1'))).toEqual([false, false]);
    expect(g.fail('10.0.0.1')).toBe(true);
  });

  it('counts an IPv4-mapped address as its IPv4 address, and IPv6 addresses by their /64', () => {
    const g = guard();
    for (let i = 0; i < 4; i++) g.fail(`2001:db8:1:2::${i + 1}`);
    expect(g.blocked('2001:db8:1:2:ffff::9')).toBe(true);
    expect(g.blocked('2001:db8:1:3::1')).toBe(false);
    for (let i = 0; i < 4; i++) g.fail('::ffff:192.0.2.7');
    expect(g.blocked('192.0.2.7')).toBe(true);
    expect(sourceKey('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey(undefined)).toBe('unknown');
  });

  it('forgets the source that failed least recently when it remembers too many', () => {
    const g = guard(2);
    for (let i = 0; i < 4; i++) g.fail('10.0.0.1');
    g.fail('10.0.0.2');
    g.fail('10.0.0.3');
    expect(g.blocked('10.0.0.1')).toBe(false);
  });

  it('is off with a rate of 0', () => {
    const g = new SourceGuard({ perMin: 0, burst: 1, blockS: 30 }, clock);
    for (let i = 0; i < 100; i++) expect(g.fail('10.0.0.1')).toBe(false);
    expect(g.blocked('10.0.0.1')).toBe(false);
  });
});
