import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordIdGenerator } from '@nidus/domain-ids';
import { loadConfig } from '@nidus/platform-config';
import { type Infrastructure, openInfrastructure } from '@nidus/platform-runtime';
import { DuplicateKeyError } from '@nidus/persistence-core';
import { silentLogger } from '@nidus/ports';
import { SessionClaims } from './message-claims';
import { MessageStore, type QueuedMessage, type StoredMessage } from './message-store';
import { ProjectCap } from './project-cap';
import { type Outlet, QueueHub, maxUnsettledPerReceiver } from './queue-hub';

// The QueueHub over the embedded store: receivers stood in for by outlets whose credit the test sets (the AMQP links
// themselves are driven by real clients in test/rules/amqp-push.e2e.spec.ts).

let dataDir: string;
let infra: Infrastructure;
let store: MessageStore;
let hub: QueueHub;
const ids = new RecordIdGenerator();

interface TestOutlet extends Outlet {
  credit: number;
  got: QueuedMessage[];
}

function outlet(queue = 'q1'): TestOutlet {
  const o: TestOutlet = {
    project: 'p1',
    queue,
    credit: 0,
    got: [],
    room: () => o.credit,
    send: (m) => {
      o.credit--;
      o.got.push(m);
    },
    close: () => undefined,
  };
  return o;
}

const bodies = (o: TestOutlet) => o.got.map((m) => m.data.body);

/** A message as a forwarded event stores it. */
const message = (queue: string, body: string, createdMs = Date.now()): StoredMessage => ({
  queue,
  body,
  message_id: body,
  resource: 'device.property',
  event: 'report',
  device_id: 'd1',
  app_id: null,
  created_ms: createdMs,
  forward_id: randomUUID(),
});

async function append(queue: string, ...texts: string[]): Promise<void> {
  for (const body of texts) await store.append('p1', ids.next(), message(queue, body));
  hub.appended('p1', queue);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('timed out');
}

const grant = (o: TestOutlet, n: number) => {
  o.credit += n;
  hub.sendable(o);
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nidus-queue-hub-'));
  infra = await openInfrastructure(
    loadConfig({ NIDUS_DATA_DIR: dataDir }, { defaultServices: ['amqp-push'] }),
    silentLogger,
  );
  store = await MessageStore.open(await infra.documents('amqp-push'));
  hub = new QueueHub(store, silentLogger);
});

afterAll(async () => {
  await infra.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('QueueHub', () => {
  it('sends within credit, in order, and removes what is accepted', async () => {
    await append('q1', 'a', 'b', 'c');
    const o = outlet();
    hub.attach(o);
    grant(o, 2);
    await until(() => o.got.length === 2);
    expect(bodies(o)).toEqual(['a', 'b']);
    hub.settled(o, o.got[0]!, 'accepted');
    hub.settled(o, o.got[1]!, 'rejected');
    grant(o, 5);
    await until(() => o.got.length === 3);
    hub.settled(o, o.got[2]!, 'accepted');
    await append('q1', 'd');
    await until(() => o.got.length === 4);
    expect(bodies(o)).toEqual(['a', 'b', 'c', 'd']);
    hub.settled(o, o.got[3]!, 'accepted');
    hub.detach(o);
    await new Promise((r) => setTimeout(r, 20)); // the removals are written behind
    expect(await store.next('p1', 'q1', undefined, 10)).toEqual([]);
  });

  it('puts a released message back at the head', async () => {
    await append('q2', 'a', 'b');
    const o = outlet('q2');
    hub.attach(o);
    grant(o, 1);
    await until(() => o.got.length === 1);
    hub.settled(o, o.got[0]!, 'released');
    grant(o, 2);
    await until(() => o.got.length === 3);
    expect(bodies(o)).toEqual(['a', 'a', 'b']);
    hub.detach(o);
  });

  it('shares a queue between receivers, and gives a gone receiver’s unsettled messages to the other, in order', async () => {
    await append('q3', '1', '2', '3', '4', '5', '6');
    const [a, b] = [outlet('q3'), outlet('q3')];
    hub.attach(a);
    hub.attach(b);
    grant(a, 2);
    grant(b, 2);
    await until(() => a.got.length + b.got.length === 4);
    expect(a.got.length).toBe(2);
    expect(b.got.length).toBe(2);
    const held = bodies(a);
    hub.detach(a); // gone without settling
    grant(b, 10);
    await until(() => b.got.length === 2 + 4);
    expect(bodies(b).slice(2)).toEqual([...held, '5', '6'].sort());
    expect(new Set([...bodies(b)]).size).toBe(6); // each message once to b
  });

  it('does not send an accepted message again while its removal is under way', async () => {
    await append('q5', 'once');
    const o = outlet('q5');
    hub.attach(o);
    grant(o, 1);
    await until(() => o.got.length === 1);
    hub.settled(o, o.got[0]!, 'accepted');
    o.credit += 5;
    hub.poll(); // reads the queue again from its head at once
    await new Promise((r) => setTimeout(r, 50)); // bounded: proves an absence
    expect(bodies(o)).toEqual(['once']);
    await append('q5', 'next');
    await until(() => o.got.length === 2);
    expect(bodies(o)).toEqual(['once', 'next']);
    hub.detach(o);
  });

  it('stores a forwarded event once, however often it is delivered', async () => {
    const first = message('q6', 'twice');
    await store.append('p1', ids.next(), first);
    await expect(store.append('p1', ids.next(), { ...first })).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('holds back a receiver that never settles once it holds the most unsettled, whatever its credit', async () => {
    await append('q4', ...Array.from({ length: maxUnsettledPerReceiver + 5 }, (_, i) => `m${i}`));
    const greedy = outlet('q4');
    hub.attach(greedy);
    grant(greedy, 1_000_000);
    await until(() => greedy.got.length === maxUnsettledPerReceiver);
    await new Promise((r) => setTimeout(r, 50)); // bounded: proves an absence
    expect(greedy.got).toHaveLength(maxUnsettledPerReceiver);
    hub.settled(greedy, greedy.got[0]!, 'accepted');
    await until(() => greedy.got.length === maxUnsettledPerReceiver + 1);
    hub.detach(greedy);
  });
});

describe('QueueHub across instances (claims in the session store)', () => {
  // Real time, scaled down: a claim lasts 300 ms and is renewed every 50 ms.
  const timing = { claimMs: 300, renewalMs: 50 };
  const instances: SessionClaims[] = [];
  const claimsOf = async (name: string, renewalMs = 60_000) => {
    const claims = new SessionClaims(await infra.sessions('amqp-push'), name, silentLogger, {
      ...timing,
      renewalMs,
    });
    instances.push(claims);
    return claims;
  };
  const instance = async (name: string, renewalMs?: number) =>
    new QueueHub(store, silentLogger, await claimsOf(name, renewalMs));
  afterAll(() => instances.forEach((c) => c.close()));
  const put = async (queue: string, count: number) => {
    for (let i = 0; i < count; i++) await store.append('p1', ids.next(), message(queue, `${queue}-${i}`));
  };
  const open = (h: QueueHub, queue: string, credit: number) => {
    const o = outlet(queue);
    h.attach(o);
    o.credit = credit;
    h.sendable(o);
    return o;
  };

  it('sends each message from one instance only, and every message from one of them', async () => {
    const [h1, h2] = [await instance('i1'), await instance('i2')];
    const [a, b] = [open(h1, 'x1', 100), open(h2, 'x1', 100)];
    await put('x1', 40);
    h1.appended('p1', 'x1');
    h2.appended('p1', 'x1');
    await until(() => a.got.length + b.got.length === 40);
    await new Promise((r) => setTimeout(r, 50)); // bounded: no second copy arrives
    const all = [...bodies(a), ...bodies(b)];
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
  });

  it('lets a read that is under way finish, however often the poll comes meanwhile', async () => {
    // Found by `npm run test:faults` on FerretDB: each poll threw the read under way away for one from the head.
    const slow = await claimsOf('i-slow');
    const take = slow.take.bind(slow);
    slow.take = async (...a) => {
      await new Promise((r) => setTimeout(r, 30));
      return take(...a);
    };
    const h = new QueueHub(store, silentLogger, slow);
    const o = open(h, 'x-slow', 100);
    await put('x-slow', 3);
    h.appended('p1', 'x-slow');
    await until(() => o.got.length === 3);
    const next = jest.spyOn(store, 'next');
    await put('x-slow', 3);
    h.appended('p1', 'x-slow');
    const poller = setInterval(() => h.poll(), 5);
    let reads: (string | undefined)[];
    try {
      await until(() => o.got.length === 6);
    } finally {
      clearInterval(poller);
      reads = next.mock.calls.map((c) => c[2]);
      next.mockRestore();
    }
    expect(bodies(o)).toEqual(['x-slow-0', 'x-slow-1', 'x-slow-2', 'x-slow-0', 'x-slow-1', 'x-slow-2']);
    // From where the first read ended, never again from the head.
    expect(reads[0]).toBe(o.got[2]!.id);
    expect(reads.filter((after) => after === undefined)).toEqual([]);
  });

  it("takes over a dead instance's messages once its claims run out, and given-back ones at once", async () => {
    const [h1, h2] = [await instance('i3'), await instance('i4')];
    await put('x2', 6);
    const a = open(h1, 'x2', 3); // i3 claims 3… and dies holding them (no detach, no renewal)
    await until(() => a.got.length === 3);
    const b = open(h2, 'x2', 100);
    await until(() => b.got.length === 3);
    expect(bodies(b)).toEqual(['x2-3', 'x2-4', 'x2-5']);
    h2.poll();
    await new Promise((r) => setTimeout(r, 50)); // bounded: i3's claims still hold
    expect(b.got).toHaveLength(3);
    await new Promise((r) => setTimeout(r, timing.claimMs));
    h2.poll();
    await until(() => b.got.length === 6);
    expect(bodies(b).slice(3)).toEqual(['x2-0', 'x2-1', 'x2-2']);

    await put('x3', 2);
    const c = open(h1, 'x3', 2);
    await until(() => c.got.length === 2);
    const d = open(h2, 'x3', 10);
    h1.detach(c); // gone without settling: its instance gives the claims back
    await new Promise((r) => setTimeout(r, 20));
    h2.poll();
    await until(() => d.got.length === 2);
    expect(bodies(d)).toEqual(['x3-0', 'x3-1']);
  });

  it('keeps the claims of messages held unsettled past their first expiry, by renewing them', async () => {
    const [h1, h2] = [await instance('i5', timing.renewalMs), await instance('i6')];
    await put('x4', 2);
    const a = open(h1, 'x4', 2);
    await until(() => a.got.length === 2);
    const b = open(h2, 'x4', 10);
    await new Promise((r) => setTimeout(r, 2 * timing.claimMs)); // bounded: twice a claim's life, renewed meanwhile
    h2.poll();
    await new Promise((r) => setTimeout(r, 50)); // bounded: proves an absence
    expect(b.got).toHaveLength(0);
  });

  it('keeps a settled message from a read that was under way while it was removed, here or elsewhere', async () => {
    const [a, b] = [await claimsOf('i9'), await claimsOf('i10')];
    await put('x6', 1);
    const read = await store.next('p1', 'x6', undefined, 1); // a read that returns before the removal is done
    expect((await a.take('p1', read, 1)).taken).toEqual(read);
    a.forget(read[0]!.id);
    await store.remove('p1', read[0]!.id);
    expect((await a.take('p1', read, 1)).taken).toEqual([]);
    expect((await b.take('p1', read, 1)).taken).toEqual([]);
  });

  it('claims again a held message whose claim the session store lost (a Redis restart)', async () => {
    const sessions = await infra.sessions('amqp-push');
    const [h1, h2] = [await instance('i7', timing.renewalMs), await instance('i8')];
    await put('x5', 1);
    const a = open(h1, 'x5', 1);
    await until(() => a.got.length === 1);
    await sessions.delete('p1', `amqp-claim:${a.got[0]!.id}`);
    await new Promise((r) => setTimeout(r, 2 * timing.renewalMs)); // bounded: a renewal ran
    const b = open(h2, 'x5', 10);
    await new Promise((r) => setTimeout(r, 50)); // bounded: proves an absence
    expect(b.got).toHaveLength(0);
  });
});

describe('MessageStore retention', () => {
  it('drops what was stored before the cut and keeps the rest, in every queue of the project', async () => {
    const hour = 3600_000;
    let now = Date.parse('2026-11-27T08:00:00Z');
    const clocked = new RecordIdGenerator({ now: () => now });
    const put = (queue: string, body: string) =>
      store.append('p2', clocked.next(), message(queue, body, now));
    await put('a', 'old-a');
    await put('b', 'old-b');
    now += 2 * hour;
    await put('a', 'new-a');
    expect(await store.expire('p2', now - hour)).toBe(2);
    expect((await store.next('p2', 'a', undefined, 10)).map((m) => m.data.body)).toEqual(['new-a']);
    expect(await store.next('p2', 'b', undefined, 10)).toEqual([]);
  });
});

describe('ProjectCap', () => {
  it('drops the oldest beyond the cap, passing over a claimed one, with one instance at a time', async () => {
    const bodies10 = Array.from({ length: 10 }, (_, i) => `message-${i}`.padEnd(10, '.'));
    for (const body of bodies10) await store.append('p4', ids.next(), message('q', body));
    const sessions = await infra.sessions('amqp-push');
    const sender = new SessionClaims(sessions, 'sender', silentLogger);
    const head = await store.next('p4', 'q', undefined, 1);
    expect((await sender.take('p4', head, 1)).taken).toEqual(head); // on its way to a consumer
    const claims = (name: string) => new SessionClaims(sessions, name, silentLogger);
    const [a, b] = ['a', 'b'].map((name) => new ProjectCap(store, claims(name), sessions, name));
    const applied = await Promise.all([a!.apply('p4', 50), b!.apply('p4', 50)]);
    expect(applied).toContainEqual({ total: 100, evicted: 5 });
    expect(applied).toContain(undefined); // the other instance found the project taken
    const left = (await store.next('p4', 'q', undefined, 20)).map((m) => m.data.body);
    expect(left).toEqual([bodies10[0], ...bodies10.slice(6)]);
    expect(await b!.apply('p4', 50)).toEqual({ total: 50, evicted: 0 }); // the lease was given back
    sender.close();
  });

  it('keeps a message it is dropping from being claimed, and a dropped one from being counted twice', async () => {
    await store.append('p5', ids.next(), message('q', 'only'));
    const [m] = await store.next('p5', 'q', undefined, 1);
    const sessions = await infra.sessions('amqp-push');
    const [dropper, sender] = ['dropper', 'sender'].map((n) => new SessionClaims(sessions, n, silentLogger));
    let during: QueuedMessage[] | undefined;
    const dropped = await dropper!.unlessClaimed('p5', m!.id, async () => {
      during = (await sender!.take('p5', [m!], 1)).taken;
      return store.remove('p5', m!.id);
    });
    expect([dropped, during]).toEqual([true, []]);
    expect((await sender!.take('p5', [m!], 1)).taken).toEqual([]); // a read from before the drop finds it held
    expect(await dropper!.unlessClaimed('p5', m!.id, () => store.remove('p5', m!.id))).toBe(false); // gone
    [dropper, sender].forEach((c) => c!.close());
  });
});
