import type { HealthStatus } from '@nidus/ports';

/**
 * The session store port (ARCHITECTURE §2): short-lived shared state — device sessions, pending requests, rate
 * counters — with TTLs, atomic compare-and-set, and notifications to the other instances of the same service.
 * Adapters: in-process and Redis (ioredis); both pass `describeSessionStoreContract` in libs/testing.
 * A store is opened for one namespace (the owning service); keys and channels never cross namespaces.
 */
export interface SessionStore {
  get(tenant: string, key: string): Promise<string | undefined>;
  /** `ttlMs` omitted: the key never expires. */
  set(tenant: string, key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only if the key is absent; true if it did. */
  setIfAbsent(tenant: string, key: string, value: string, ttlMs?: number): Promise<boolean>;
  /**
   * Atomically: if the current value is `expected` (undefined: absent), makes it `next` (undefined: deletes it),
   * with `ttlMs` for the new value. True if it swapped.
   */
  compareAndSet(
    tenant: string,
    key: string,
    expected: string | undefined,
    next: string | undefined,
    ttlMs?: number,
  ): Promise<boolean>;
  delete(tenant: string, key: string): Promise<boolean>;
  /** Adds 1 and returns the new count; a counter created by this call expires after `ttlMs` (a rate window). */
  increment(tenant: string, key: string, ttlMs: number): Promise<number>;
  /** Remaining lifetime in ms; undefined if absent or without expiry. */
  ttl(tenant: string, key: string): Promise<number | undefined>;
  /** Delivers `message` to every subscriber of `channel` in this namespace, on any instance. */
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<{ close(): Promise<void> }>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/**
 * Extends `owner`'s hold of `key` by `ttlMs`: `renewed`. When the key is gone (the store restarted without persistence)
 * `owner` takes it again while `wanted()` still says so: `restored`. Otherwise another holds it, or it is no longer
 * wanted: `lost`.
 */
export async function renewLease(
  store: SessionStore,
  tenant: string,
  key: string,
  owner: string,
  ttlMs: number,
  wanted: () => boolean = () => true,
): Promise<'renewed' | 'restored' | 'lost'> {
  if (await store.compareAndSet(tenant, key, owner, owner, ttlMs)) return 'renewed';
  if (!wanted()) return 'lost';
  return (await store.setIfAbsent(tenant, key, owner, ttlMs)) ? 'restored' : 'lost';
}
