import Redis from 'ioredis';
import type { SessionStore } from '@nidus/persistence-core';
import { type HealthStatus, probeHealth } from '@nidus/ports';

// Atomic compare-and-set: ARGV = [expectedPresent, expected, nextPresent, next, ttlMs]. GET returns false when absent.
const compareAndSetScript = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '1' then
  if tonumber(ARGV[5]) > 0 then redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5]) else redis.call('SET', KEYS[1], ARGV[4]) end
else
  redis.call('DEL', KEYS[1])
end
return 1`;

// A counter that starts its expiry window when it is created.
const incrementScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

type Scripted = Redis & {
  nidusCompareAndSet(key: string, ...args: string[]): Promise<number>;
  nidusIncrement(key: string, ttlMs: string): Promise<number>;
};

export interface RedisSessionStoreOptions {
  url: string;
  /** The owning service; prefixes every key and channel. */
  namespace: string;
  /** Milliseconds a command waits for a lost connection before it fails; default 5 000. */
  commandTimeoutMs?: number;
}

/**
 * The session store over Redis (ioredis). Keys are `<namespace>:<tenant>:<key>`; compare-and-set and counters are Lua
 * scripts, so each is one atomic step on the server. Notifications use Redis pub/sub on a second connection
 * (a subscribed connection can issue no other commands).
 */
export class RedisSessionStore implements SessionStore {
  private readonly redis: Scripted;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  private constructor(private readonly options: RedisSessionStoreOptions) {
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      commandTimeout: options.commandTimeoutMs ?? 5_000,
      maxRetriesPerRequest: 3,
    }) as Scripted;
    this.redis.defineCommand('nidusCompareAndSet', { numberOfKeys: 1, lua: compareAndSetScript });
    this.redis.defineCommand('nidusIncrement', { numberOfKeys: 1, lua: incrementScript });
  }

  static async connect(options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
    const store = new RedisSessionStore(options);
    await store.redis.connect();
    return store;
  }

  async get(tenant: string, key: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(tenant, key))) ?? undefined;
  }

  async set(tenant: string, key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(this.key(tenant, key), value);
    else await this.redis.set(this.key(tenant, key), value, 'PX', ttlMs);
  }

  async setIfAbsent(tenant: string, key: string, value: string, ttlMs?: number): Promise<boolean> {
    const result =
      ttlMs === undefined
        ? await this.redis.set(this.key(tenant, key), value, 'NX')
        : await this.redis.set(this.key(tenant, key), value, 'PX', ttlMs, 'NX');
    return result === 'OK';
  }

  async compareAndSet(
    tenant: string,
    key: string,
    expected: string | undefined,
    next: string | undefined,
    ttlMs?: number,
  ): Promise<boolean> {
    const swapped = await this.redis.nidusCompareAndSet(
      this.key(tenant, key),
      expected === undefined ? '0' : '1',
      expected ?? '',
      next === undefined ? '0' : '1',
      next ?? '',
      String(ttlMs ?? 0),
    );
    return swapped === 1;
  }

  async delete(tenant: string, key: string): Promise<boolean> {
    return (await this.redis.del(this.key(tenant, key))) > 0;
  }

  async increment(tenant: string, key: string, ttlMs: number): Promise<number> {
    return this.redis.nidusIncrement(this.key(tenant, key), String(ttlMs));
  }

  async ttl(tenant: string, key: string): Promise<number | undefined> {
    const ms = await this.redis.pttl(this.key(tenant, key));
    return ms >= 0 ? ms : undefined; // -1: no expiry, -2: absent
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.channel(channel), message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<{ close(): Promise<void> }> {
    const name = this.channel(channel);
    const subscriber = await this.subscriberConnection();
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
      await subscriber.subscribe(name);
    }
    set.add(handler);
    return {
      close: async () => {
        set.delete(handler);
        if (set.size === 0 && this.handlers.get(name) === set) {
          this.handlers.delete(name);
          await subscriber.unsubscribe(name);
        }
      },
    };
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(async () => ({ ok: (await this.redis.ping()) === 'PONG', detail: this.redis.status }));
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.all([this.redis.quit(), this.subscriber?.quit()]);
  }

  private async subscriberConnection(): Promise<Redis> {
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate();
      this.subscriber.on('message', (channel: string, message: string) => {
        this.handlers.get(channel)?.forEach((h) => h(message));
      });
    }
    if (this.subscriber.status === 'wait') await this.subscriber.connect();
    return this.subscriber;
  }

  private key(tenant: string, key: string): string {
    return `${this.options.namespace}:${tenant}:${key}`;
  }

  private channel(channel: string): string {
    return `${this.options.namespace}:${channel}`;
  }
}
