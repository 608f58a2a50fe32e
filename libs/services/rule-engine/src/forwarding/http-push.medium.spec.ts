import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordIdGenerator } from '@nidus/domain-ids';
import { loadConfig } from '@nidus/platform-config';
import { createMetricsRegistry, forwardingMetrics } from '@nidus/platform-observability';
import {
  type Infrastructure,
  makeDevelopmentCertificates,
  openInfrastructure,
} from '@nidus/platform-runtime';
import { silentLogger } from '@nidus/ports';
import { DeadLetters, type DeadLetterStore, openDeadLetterStore } from './dead-letters';
import { type HttpTarget, HttpPush, pushSignature } from './http-push';

// HttpPush against a loopback HTTP server, on a clock the test moves, with its dead letters in the embedded store:
// the 10-failure, 5-minute pause of spec 03 §6.5, the order within a lane, and the retry and dead-letter extensions;
// then HTTPS against a server whose certificate a development CA signed: uploaded CA, server name, SNI, signature.

let server: Server;
let base: string;
let status = 200;
/** Answers to `/held` wait here until the test lets them go. */
const held: (() => void)[] = [];
const seen: unknown[] = [];
let now = 1_000_000;
const registry = createMetricsRegistry({ instance: 'test' });
const metrics = forwardingMetrics(registry);
const clock = { now: () => now };
let push: HttpPush;
let dataDir: string;
let infra: Infrastructure;
let letters: DeadLetterStore;
/** The HTTPS server: a certificate for localhost and 127.0.0.1 that `pki.ca` signed. */
const pki = makeDevelopmentCertificates();
let tlsServer: HttpsServer;
let tlsBase: string;
const tlsSeen: { servername: string | false | null; headers: Record<string, unknown>; text: string }[] = [];

const target = (actionId: string, path: string, extra: Partial<HttpTarget> = {}): HttpTarget => ({
  project: 'p1',
  actionId,
  url: `${base}${path}`,
  attempts: 1,
  backoffMs: 10,
  acceptAny2xx: false,
  ...extra,
});

/** An HttpPush of its own over the same store and metrics. */
const pushWith = (options: ConstructorParameters<typeof HttpPush>[4]) =>
  new HttpPush(
    clock,
    metrics,
    silentLogger,
    new DeadLetters(letters, new RecordIdGenerator(clock), clock, silentLogger),
    options,
  );

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'nidus-http-push-'));
  infra = await openInfrastructure(
    loadConfig({ NIDUS_DATA_DIR: dataDir }, { defaultServices: ['rule-engine'] }),
    silentLogger,
  );
  letters = await openDeadLetterStore(await infra.documents('rule-engine'));
  const deadLetters = new DeadLetters(letters, new RecordIdGenerator(clock), clock, silentLogger);
  push = new HttpPush(clock, metrics, silentLogger, deadLetters);
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      seen.push(JSON.parse(text));
      res.statusCode = status;
      if (req.url === '/held') held.push(() => res.end());
      else res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tlsServer = createHttpsServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      tlsSeen.push({ servername: (req.socket as TLSSocket).servername, headers: req.headers, text });
      res.end();
    });
  });
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await push.close();
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => tlsServer.close(() => r()));
  await infra.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The dead letters of an action, oldest first, once there are `n` (bounded wait: they are written behind). */
async function lettersOf(actionId: string, n: number) {
  for (let i = 0; i < 200; i++) {
    const { items } = await letters.find('p1', { action_id: actionId }, { limit: 1000 });
    if (items.length >= n) return items.map((l) => l.data);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${n} dead letters of ${actionId}`);
}

const outcomes = async (): Promise<Record<string, number>> => {
  const { values } = await registry.getSingleMetric('nidus_pushes_total')!.get();
  return Object.fromEntries(values.map((v) => [String(v.labels['outcome']), v.value]));
};

describe('HttpPush', () => {
  it('keeps the order of a lane, pauses a host after 10 failures in a row for 5 minutes, and again on the next failure', async () => {
    for (let i = 0; i < 5; i++) push.push(target('a1', '/x'), 'd1', { i });
    await push.drain();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));

    status = 500;
    for (let i = 0; i < 12; i++) push.push(target('a1', '/x'), 'd1', { failing: i });
    await push.drain();
    expect(seen).toHaveLength(5 + 10); // the last two found the host paused
    // 12 undelivered in one second: 10 dead letters written (the budget of a second), 2 only counted.
    expect(await outcomes()).toEqual({ delivered: 5, failed: 10, blacklisted: 2, 'dead-letter-skipped': 2 });

    push.push(target('a2', '/other-path'), 'd2', { paused: true }); // the same host: paused too
    await push.drain();
    expect(seen).toHaveLength(15);

    now += 5 * 60_000; // the pause is over; one more failure pauses the host again
    push.push(target('a1', '/x'), 'd1', { after: 1 });
    push.push(target('a1', '/x'), 'd1', { after: 2 });
    await push.drain();
    expect(seen).toHaveLength(16);

    now += 5 * 60_000;
    status = 200; // recovered: pushes go on
    push.push(target('a1', '/x'), 'd1', { recovered: 1 });
    push.push(target('a1', '/x'), 'd1', { recovered: 2 });
    await push.drain();
    expect(seen.slice(-2)).toEqual([{ recovered: 1 }, { recovered: 2 }]);
    // The 10 failures, then the 2 after the first pause: dead letters of their action, with why.
    const a1 = await lettersOf('a1', 12);
    expect(a1[0]).toMatchObject({
      device_id: 'd1',
      reason: 'answered 500',
      attempts: 1,
      body: '{"failing":0}',
    });
    expect(a1[10]).toMatchObject({ reason: 'answered 500', body: '{"after":1}' });
    expect(a1[11]).toMatchObject({ reason: 'host paused after 10 consecutive failures', attempts: 0 });
    expect((await lettersOf('a2', 1))[0]).toMatchObject({ body: '{"paused":true}', attempts: 0 });
  });

  it('retries as the action asks, in order within the lane, and takes any 2xx when told', async () => {
    now += 10 * 60_000;
    seen.length = 0;
    status = 500;
    push.push(target('r1', '/r', { attempts: 3 }), 'd1', { n: 1 });
    push.push(target('r1', '/r', { attempts: 3 }), 'd1', { n: 2 });
    await push.drain();
    expect(seen).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }, { n: 2 }, { n: 2 }, { n: 2 }]);
    expect(await lettersOf('r1', 2)).toMatchObject([
      { reason: 'answered 500', attempts: 3, body: '{"n":1}' },
      { reason: 'answered 500', attempts: 3, body: '{"n":2}' },
    ]);
    status = 204;
    push.push(target('r2', '/r'), 'd1', { strict: true });
    push.push(target('r3', '/r', { acceptAny2xx: true }), 'd1', { lenient: true });
    await push.drain();
    expect(await lettersOf('r2', 1)).toMatchObject([{ reason: 'answered 204' }]);
    await new Promise((r) => setTimeout(r, 50)); // bounded: proves an absence
    expect((await letters.find('p1', { action_id: 'r3' }, { limit: 10 })).items).toHaveLength(0);
    status = 200;
  });

  it('drops the oldest waiting push of an action beyond its limit, as a dead letter, and keeps the rest in order', async () => {
    now += 10 * 60_000;
    seen.length = 0;
    const small = pushWith({ maxWaiting: 3 });
    const before = (await outcomes())['overflow'] ?? 0;
    small.push(target('o1', '/held'), 'd1', { n: 0 }); // in flight: not waiting
    for (let n = 1; n <= 3; n++) small.push(target('o1', '/held'), 'd1', { n });
    small.push(target('o1', '/held'), 'd2', { n: 4 }); // starts another lane at once: not waiting
    small.push(target('o1', '/held'), 'd1', { n: 5 }); // 1 is dropped
    small.push(target('o1', '/held'), 'd1', { n: 6 }); // 2 is dropped
    for (let i = 0; i < 100 && held.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([{ n: 0 }, { n: 4 }]); // the two lanes' first pushes
    while (seen.length < 5 || held.length > 0) {
      held.splice(0).forEach((answer) => answer());
      await new Promise((r) => setTimeout(r, 10));
    }
    await small.close();
    expect(seen).toEqual([{ n: 0 }, { n: 4 }, { n: 3 }, { n: 5 }, { n: 6 }]);
    expect((await outcomes())['overflow']).toBe(before + 2);
    // A dropped push whose lane reaches it after every other waiting push of the action started.
    const one = pushWith({ maxWaiting: 1 });
    seen.length = 0;
    one.push(target('o2', '/held'), 'd1', { n: 0 });
    one.push(target('o2', '/held'), 'd1', { n: 1 }); // waiting
    one.push(target('o2', '/held'), 'd2', { n: 2 });
    one.push(target('o2', '/held'), 'd2', { n: 3 }); // drops 1
    while (seen.length < 3 || held.length > 0) {
      held.splice(0).forEach((answer) => answer());
      await new Promise((r) => setTimeout(r, 10));
    }
    await one.close();
    expect((seen as { n: number }[]).map((p) => p.n).sort()).toEqual([0, 2, 3]);
    expect(await lettersOf('o1', 2)).toMatchObject([
      {
        device_id: 'd1',
        attempts: 0,
        body: '{"n":1}',
        reason: 'dropped: 3 pushes of the action were waiting',
      },
      { device_id: 'd1', attempts: 0, body: '{"n":2}' },
    ]);
  });

  it('checks an HTTPS server against the uploaded CA only, for cn_name when given, sent as SNI when asked', async () => {
    now += 10 * 60_000;
    const trust = { certId: 'c1', pem: pki.ca };
    const https = (actionId: string, extra: Partial<HttpTarget>) =>
      target(actionId, '/s', { url: `${tlsBase}/s`, ...extra });
    push.push(https('t1', { trust }), 'd1', { trusted: true });
    await push.drain();
    expect(tlsSeen).toEqual([{ servername: false, headers: expect.any(Object), text: '{"trusted":true}' }]);

    const otherCa = { certId: 'c2', pem: makeDevelopmentCertificates().ca };
    push.push(https('t2', {}), 'd1', { systemRoots: true }); // the development CA is not among them
    push.push(https('t3', { trust: otherCa }), 'd1', { otherCa: true });
    push.push(https('t4', { trust, serverName: 'app.example.com' }), 'd1', { wrongName: true });
    await push.drain();
    expect(tlsSeen).toHaveLength(1);
    expect((await lettersOf('t2', 1))[0]!.reason).toMatch(/unable to verify the first certificate/);
    // The other CA has the same subject: found as the issuer by name, its key did not sign the server's certificate.
    expect((await lettersOf('t3', 1))[0]!.reason).toMatch(/certificate signature failure/);
    expect((await lettersOf('t4', 1))[0]!.reason).toMatch(
      /Host: app\.example\.com\. is not in the cert's altnames/,
    );

    push.push(https('t5', { trust, serverName: 'localhost', sni: true }), 'd1', { sni: true });
    push.push(https('t6', { trust, serverName: 'localhost' }), 'd1', { nameOnly: true });
    await push.drain();
    expect(tlsSeen.slice(1).map((s) => [s.servername, s.text])).toEqual([
      ['localhost', '{"sni":true}'],
      [false, '{"nameOnly":true}'],
    ]);
  });

  it('presents the platform client certificate to a server that asks for one (mutual TLS)', async () => {
    const platform = makeDevelopmentCertificates(); // the platform's development CA and certificate
    const mutual = createHttpsServer(
      { cert: pki.cert, key: pki.key, ca: platform.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        peers.push(String((req.socket as TLSSocket).getPeerCertificate().subject.CN));
        res.end();
      },
    );
    await new Promise<void>((r) => mutual.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(mutual.address() as AddressInfo).port}/m`;
    const peers: string[] = [];
    const withCert = pushWith({ clientTls: { cert: platform.cert, key: platform.key } });
    const trust = { certId: 'c1', pem: pki.ca };
    withCert.push(target('m1', '/m', { url, trust }), 'd1', { mutual: true });
    push.push(target('m2', '/m', { url, trust }), 'd1', { anonymous: true }); // no client certificate
    await Promise.all([withCert.close(), push.drain()]);
    await new Promise<void>((r) => mutual.close(() => r()));
    expect(peers).toEqual(['localhost']); // the subject CN of the platform's certificate
    expect((await lettersOf('m2', 1))[0]!.reason).toMatch(/certificate required|socket hang up|ECONNRESET/);
  });

  it('signs a push with the action token: a timestamp and an HMAC-SHA256 of it and the body', async () => {
    tlsSeen.length = 0;
    const signed = target('s1', '/s', {
      url: `${tlsBase}/s`,
      trust: { certId: 'c1', pem: pki.ca },
      signingToken: 'token-0123456789',
    });
    push.push(signed, 'd1', { signed: 'ü' });
    await push.drain();
    const [{ headers, text }] = tlsSeen as [(typeof tlsSeen)[number]];
    expect(headers['x-nidus-timestamp']).toBe(String(Math.floor(now / 1000)));
    expect(headers['x-nidus-signature']).toBe(
      pushSignature('token-0123456789', String(Math.floor(now / 1000)), text),
    );
    expect(headers['x-nidus-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(pushSignature('another-token', String(Math.floor(now / 1000)), text)).not.toBe(
      headers['x-nidus-signature'],
    );
    push.push(target('s2', '/x'), 'd1', { unsigned: true });
    await push.drain();
    expect(tlsSeen).toHaveLength(1);
  });
});
