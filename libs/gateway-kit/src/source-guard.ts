import { TokenBucket } from './token-bucket';

export interface SourceGuardOptions {
  /** Failed logins a source may make per minute, after its burst; 0 turns the guard off. */
  readonly perMin: number;
  /** Failures a source may make at once before the per-minute rate applies. */
  readonly burst: number;
  /** How long a source that went over is refused, in s. */
  readonly blockS: number;
  /** Sources remembered at most; past it, the one that failed least recently is forgotten. */
  readonly maxSources?: number;
}

interface Source {
  readonly failures: TokenBucket;
  blockedUntil: number;
}

/**
 * Rate-limits failed logins by source address (issue 7: a flood of bad CONNECTs must not slow the devices that log in
 * well). A wrong password, an unknown device, a malformed CONNECT: each failure takes a token of its source; a failure
 * that finds none blocks the source for `blockS`, and a blocked source's connections are closed as they arrive,
 * before any parsing, lookup or password check (a TLS connection before its handshake). Devices behind one NAT
 * share an address, so the budget is per address, and an IPv6 source counts by its /64 (a host picks freely inside
 * its own). Counted per gateway instance; a source that spreads its attempts over N instances gets N budgets.
 */
export class SourceGuard {
  private readonly sources = new Map<string, Source>();
  private readonly maxSources: number;

  constructor(
    private readonly options: SourceGuardOptions,
    private readonly now: () => number,
  ) {
    this.maxSources = options.maxSources ?? 100_000;
  }

  /** True while `address` is blocked. */
  blocked(address: string | undefined): boolean {
    const source = this.sources.get(sourceKey(address));
    return source !== undefined && source.blockedUntil > this.now();
  }

  /** Counts a failed login of `address`; true when it is this failure that blocks the source. */
  fail(address: string | undefined): boolean {
    const { perMin, burst, blockS } = this.options;
    if (perMin <= 0) return false;
    const key = sourceKey(address);
    const now = this.now();
    let source = this.sources.get(key);
    if (source)
      this.sources.delete(key); // re-inserted below: the map stays in order of the last failure
    else source = { failures: new TokenBucket(perMin / 60, now, burst), blockedUntil: 0 };
    this.sources.set(key, source);
    if (this.sources.size > this.maxSources) this.sources.delete(this.sources.keys().next().value!);
    if (source.blockedUntil > now || source.failures.take(1, now) === 0) return false;
    source.blockedUntil = now + blockS * 1000;
    return true;
  }

  /** Sources blocked now (a gauge). */
  blockedCount(): number {
    const now = this.now();
    let n = 0;
    for (const source of this.sources.values()) if (source.blockedUntil > now) n++;
    return n;
  }
}

/** The address a budget belongs to: IPv4 as it is (also when IPv4-mapped), IPv6 by its first four groups. */
export function sourceKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
