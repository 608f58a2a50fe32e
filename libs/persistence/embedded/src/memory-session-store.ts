import { EventEmitter } from 'node:events';
import type { SessionStore } from '@nidus/persistence-core';
import { type Clock, type HealthStatus, systemClock } from '@nidus/ports';

interface Entry {
  value: string;
  /** ms since epoch; undefined: never expires. */
  expiresAt: number | undefined;
}

/**
 * State shared by every in-process session store of one process — what a Redis server is to the distributed shape.
 * Expired keys are dropped when read and by a sweep every `sweepMs`.
 */
export class SessionSpace {
  readonly entries = new Map<string, Entry>();
  readonly channels = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly clock: Clock = systemClock,
    sweepMs = 1_000,
  ) {
    this.channels.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    for (const key of this.entries.keys()) this.live(key);
  }
}

/** The in-process session store of the embedded shape; one per service namespace over a shared SessionSpace. */
export class MemorySessionStore implements SessionStore {
  private readonly listeners = new Set<{ channel: string; listener: (m: string) => void }>();
  private closed = false;

  constructor(
    private readonly space: SessionSpace,
    private readonly namespace: string,
  ) {}

  async get(tenant: string, key: string): Promise<string | undefined> {
    return this.space.live(this.key(tenant, key))?.value;
  }

  async set(tenant: string, key: string, value: string, ttlMs?: number): Promise<void> {
    this.space.entries.set(this.key(tenant, key), { value, expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(tenant: string, key: string, value: string, ttlMs?: number): Promise<boolean> {
    return this.compareAndSet(tenant, key, undefined, value, ttlMs);
  }

  async compareAndSet(
    tenant: string,
    key: string,
    expected: string | undefined,
    next: string | undefined,
    ttlMs?: number,
  ): Promise<boolean> {
    const k = this.key(tenant, key);
    if (this.space.live(k)?.value !== expected) return false;
    if (next === undefined) this.space.entries.delete(k);
    else this.space.entries.set(k, { value: next, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async delete(tenant: string, key: string): Promise<boolean> {
    const k = this.key(tenant, key);
    return this.space.live(k) !== undefined && this.space.entries.delete(k);
  }

  async increment(tenant: string, key: string, ttlMs: number): Promise<number> {
    const k = this.key(tenant, key);
    const entry = this.space.live(k);
    const count = (entry ? Number(entry.value) : 0) + 1;
    this.space.entries.set(k, {
      value: String(count),
      expiresAt: entry ? entry.expiresAt : this.expiry(ttlMs),
    });
    return count;
  }

  async ttl(tenant: string, key: string): Promise<number | undefined> {
    const expiresAt = this.space.live(this.key(tenant, key))?.expiresAt;
    return expiresAt === undefined ? undefined : Math.max(0, expiresAt - this.space.clock.now());
  }

  async publish(channel: string, message: string): Promise<void> {
    const name = this.channel(channel);
    // Delivered after the publisher's turn, as from a server: a handler never runs inside publish().
    setImmediate(() => this.space.channels.emit(name, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<{ close(): Promise<void> }> {
    const entry = { channel: this.channel(channel), listener: handler };
    this.space.channels.on(entry.channel, entry.listener);
    this.listeners.add(entry);
    return {
      close: async () => {
        this.space.channels.off(entry.channel, entry.listener);
        this.listeners.delete(entry);
      },
    };
  }

  async health(): Promise<HealthStatus> {
    return { ok: !this.closed, detail: 'in-process' };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { channel, listener } of this.listeners) this.space.channels.off(channel, listener);
    this.listeners.clear();
  }

  private key(tenant: string, key: string): string {
    return `${this.namespace}:${tenant}:${key}`;
  }

  private channel(channel: string): string {
    return `${this.namespace}:${channel}`;
  }

  private expiry(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : this.space.clock.now() + ttlMs;
  }
}
