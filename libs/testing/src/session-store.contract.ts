import { randomUUID } from 'node:crypto';
import type { SessionStore } from '@nidus/persistence-core';
import { Inbox } from './inbox';

export interface SessionStoreHarness {
  /** Opens a store for a namespace; stores of one harness share one server (one process space, one Redis). */
  open(namespace: string): Promise<SessionStore>;
}

/** Polls `read` until it returns `expected`, at most `timeoutMs`: for server-side expiry, which no event announces. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value === expected) return;
    if (Date.now() > deadline)
      throw new Error(`still ${String(value)} after ${timeoutMs} ms, expected ${String(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The session store specification (SessionStore in libs/persistence/core), run against every adapter. */
export function describeSessionStoreContract(adapter: string, harness: () => SessionStoreHarness): void {
  describe(`SessionStore contract: ${adapter}`, () => {
    let h: SessionStoreHarness;
    let ns: string;
    const opened: SessionStore[] = [];
    const open = async (namespace = ns) => {
      const s = await h.open(namespace);
      opened.push(s);
      return s;
    };

    beforeEach(() => {
      h = harness();
      ns = `test-${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('sets, reads and deletes keys per tenant and per namespace', async () => {
      const s = await open();
      const other = await open(`${ns}-other`);
      await s.set('t1', 'k', 'v1');
      expect(await s.get('t1', 'k')).toBe('v1');
      expect(await s.get('t2', 'k')).toBeUndefined();
      expect(await other.get('t1', 'k')).toBeUndefined();
      expect(await s.delete('t1', 'k')).toBe(true);
      expect(await s.delete('t1', 'k')).toBe(false);
      expect(await s.get('t1', 'k')).toBeUndefined();
    });

    it('expires keys after their TTL and reports the time left', async () => {
      const s = await open();
      await s.set('t1', 'short', 'v', 300);
      await s.set('t1', 'forever', 'v');
      const left = await s.ttl('t1', 'short');
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(300);
      expect(await s.ttl('t1', 'forever')).toBeUndefined();
      expect(await s.get('t1', 'short')).toBe('v');
      await eventually(() => s.get('t1', 'short'), undefined);
      expect(await s.get('t1', 'forever')).toBe('v');
    });

    it('sets if absent only once', async () => {
      const s = await open();
      expect(await s.setIfAbsent('t1', 'lock', 'a', 10_000)).toBe(true);
      expect(await s.setIfAbsent('t1', 'lock', 'b', 10_000)).toBe(false);
      expect(await s.get('t1', 'lock')).toBe('a');
      expect(await s.ttl('t1', 'lock')).toBeGreaterThan(0);
    });

    it('compares and sets atomically: create, swap, refuse, delete', async () => {
      const s = await open();
      expect(await s.compareAndSet('t1', 'owner', undefined, 'gw-1')).toBe(true);
      expect(await s.compareAndSet('t1', 'owner', undefined, 'gw-2')).toBe(false);
      expect(await s.compareAndSet('t1', 'owner', 'gw-9', 'gw-2')).toBe(false);
      expect(await s.get('t1', 'owner')).toBe('gw-1');
      expect(await s.compareAndSet('t1', 'owner', 'gw-1', 'gw-2', 10_000)).toBe(true);
      expect(await s.get('t1', 'owner')).toBe('gw-2');
      expect(await s.ttl('t1', 'owner')).toBeGreaterThan(0);
      expect(await s.compareAndSet('t1', 'owner', 'gw-2', undefined)).toBe(true);
      expect(await s.get('t1', 'owner')).toBeUndefined();
    });

    it('lets exactly one of concurrent compare-and-sets from two instances win', async () => {
      const a = await open();
      const b = await open();
      await a.set('t1', 'session', 'v0');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).compareAndSet('t1', 'session', 'v0', `owner-${i}`),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('counts within a window that starts at the first increment', async () => {
      const s = await open();
      expect(await s.increment('t1', 'rate', 300)).toBe(1);
      expect(await s.increment('t1', 'rate', 300)).toBe(2);
      expect(await s.increment('t1', 'rate', 300)).toBe(3);
      await eventually(() => s.get('t1', 'rate'), undefined);
      expect(await s.increment('t1', 'rate', 300)).toBe(1);
    });

    it('notifies the subscribers of the other instances of the namespace, and no other namespace', async () => {
      const a = await open();
      const b = await open();
      const stranger = await open(`${ns}-other`);
      const got = new Inbox<string>();
      const leaked = new Inbox<string>();
      const sub = await b.subscribe('downlink', (m) => got.add(m));
      await stranger.subscribe('downlink', (m) => leaked.add(m));
      await a.publish('downlink', 'hello');
      expect(await got.take(1)).toEqual(['hello']);
      await sub.close();
      await a.publish('downlink', 'after-close');
      await b.publish('downlink-probe', 'x'); // a round trip, so a stray message would have arrived by now
      await a.set('t1', 'sync', '1');
      expect(got.all).toEqual(['hello']);
      expect(leaked.all).toEqual([]);
    });

    it('reports itself healthy', async () => {
      expect((await (await open()).health()).ok).toBe(true);
    });
  });
}
