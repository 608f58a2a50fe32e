import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { MqttClient } from 'mqtt';
import { V5Project, connectDevice, meterProduct, reportTemperature } from '../mqtt/device-clients';
import { NidusProcess, embeddedEnv } from '../support/nidus-process';

// HTTP push (issue 6; spec 03 §6.3–§6.5, §7.2) in the embedded shape: an MQTT.js device reports, a routing rule
// filters and shapes with its SQL, and an HTTP server in this test receives the pushes, in order per device. Then
// HTTPS: a CA and a server certificate made with openssl as spec 03 §6.5.1 tells app developers, the CA uploaded.

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

let platform: NidusProcess;
let v5: V5Project;
let mqtt: string;
let product: string;
let server: Server;
let receiver: string;
const received: Received[] = [];
const clients: MqttClient[] = [];
/** Answer 500 to pushes to these paths. */
const failing = new Set<string>();
/** Answer 500 to the first push of each body to each of these paths, 200 to the next. */
const flaky = new Set<string>();
const tried = new Set<string>();

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((text) => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: JSON.parse(text),
      });
      const push = `${req.url} ${text}`; // another action may push the same body
      const firstTry = flaky.has(req.url ?? '') && !tried.has(push);
      tried.add(push);
      res.statusCode = failing.has(req.url ?? '') || firstTry ? 500 : 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { env, dataDir, api, mqtt: url } = await embeddedEnv({ LOG_LEVEL: 'debug' });
  mqtt = url;
  platform = NidusProcess.start('platform', env);
  await platform.up();
  v5 = V5Project.fromDataDir(api, dataDir);
  product = await v5.addProduct(meterProduct);
}, 120_000);

afterAll(async () => {
  clients.forEach((c) => c.end(true));
  expect(await platform?.stop()).toBe(0);
  server.close();
});

/** The pushes to `path` once there are `n` of them (bounded wait: 15 s). */
async function pushesTo(path: string, n: number): Promise<Received[]> {
  const of = () => received.filter((r) => r.path === path);
  for (let i = 0; i < 300 && of().length < n; i++) await new Promise((r) => setTimeout(r, 50));
  return of();
}

/** An active rule forwarding to `path` on the test's server; its action's id. */
async function ruleTo(
  path: string,
  rule: Record<string, unknown>,
  http: Record<string, unknown> = {},
): Promise<string> {
  const created = await v5.request<{ rule_id: string }>('POST', '/routing-rule/rules', rule);
  expect(created.status).toBe(201);
  const id = created.json.rule_id;
  const action = await v5.request<{ action_id: string }>('POST', '/routing-rule/actions', {
    rule_id: id,
    channel: 'HTTP_FORWARDING',
    channel_detail: { http_forwarding: { url: `${receiver}${path}`, ...http } },
  });
  expect(action.status).toBe(201);
  expect((await v5.request('PUT', `/routing-rule/rules/${id}`, { active: true })).status).toBe(200);
  return action.json.action_id;
}

describe('HTTP push', () => {
  it('pushes what a rule selects from the reports its WHERE matches, in order', async () => {
    await ruleTo('/hot', {
      subject: { resource: 'device.property', event: 'report' },
      select:
        "notify_data.header.device_id AS device_id, GET_SERVICE_PROPERTIES('Temperature').value AS value, " +
        "'hot' AS kind",
      where: "GET_SERVICE_PROPERTIES('Temperature').value > 38",
    });
    const id = await v5.addDevice(product, 'push-hot', 'pushSecret0123456789');
    const client = await connectDevice(mqtt, id, 'pushSecret0123456789');
    clients.push(client);
    for (const value of [40, 20, 41, 39, 38, 42]) await reportTemperature(client, id, value);
    const pushes = await pushesTo('/hot', 4);
    expect(pushes.map((p) => p.body)).toEqual(
      [40, 41, 39, 42].map((value) => ({ device_id: id, value, kind: 'hot' })),
    );
    expect(pushes[0]!.contentType).toBe('application/json; charset=utf-8');
  });

  it('pushes the whole IoTDA envelope when the rule has no SQL, for every resource space (GLOBAL)', async () => {
    await ruleTo('/status', { subject: { resource: 'device.status', event: 'update' }, app_type: 'GLOBAL' });
    const id = await v5.addDevice(product, 'push-status', 'pushSecret0123456789');
    const client = await connectDevice(mqtt, id, 'pushSecret0123456789');
    clients.push(client);
    const [online] = (await pushesTo('/status', 1)).filter(
      (p) => (p.body['notify_data'] as { header: { device_id: string } }).header.device_id === id,
    );
    expect(online!.body).toEqual({
      resource: 'device.status',
      event: 'update',
      event_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
      event_time_ms: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      request_id: expect.any(String),
      notify_data: {
        header: expect.objectContaining({ device_id: id, product_id: product }),
        body: expect.objectContaining({ status: 'ONLINE' }),
      },
    });
  });

  it('retries when the action asks, and lists what was not delivered as its dead letters', async () => {
    flaky.add('/flaky');
    failing.add('/down');
    const retry = { retry: { max_attempts: 2, backoff_ms: 50 } };
    const subject = { resource: 'device.message', event: 'report' };
    const flakyAction = await ruleTo('/flaky', { subject }, retry);
    const downAction = await ruleTo('/down', { subject }, retry);
    const id = await v5.addDevice(product, 'push-retry', 'pushSecret0123456789');
    const client = await connectDevice(mqtt, id, 'pushSecret0123456789');
    clients.push(client);
    for (const n of [1, 2])
      await client.publishAsync(`$oc/devices/${id}/sys/messages/up`, `{"n":${n}}`, { qos: 1 });
    // Each push to /flaky failed once and went through on its second attempt, in order.
    const contentOf = (p: Received) => {
      const { content } = (p.body['notify_data'] as { body: { content: unknown } }).body;
      return (typeof content === 'string' ? JSON.parse(content) : content) as { n: number };
    };
    expect((await pushesTo('/flaky', 4)).map((p) => contentOf(p).n)).toEqual([1, 1, 2, 2]);
    expect(await pushesTo('/down', 4)).toHaveLength(4);
    let letters: { status: number; json: { dead_letters: Record<string, unknown>[]; count: number } };
    for (let i = 0; i < 100; i++) {
      letters = await v5.request('GET', `/routing-rule/actions/${downAction}/dead-letters`);
      if (letters.json.count === 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(letters!.status).toBe(200);
    expect(letters!.json.dead_letters).toEqual([
      expect.objectContaining({ action_id: downAction, device_id: id, reason: 'answered 500', attempts: 2 }),
      expect.objectContaining({ action_id: downAction, device_id: id, reason: 'answered 500', attempts: 2 }),
    ]);
    expect(JSON.parse(letters!.json.dead_letters[0]!['body'] as string)).toMatchObject({
      resource: 'device.message',
      event: 'report',
    });
    const none = await v5.request<{ count: number }>(
      'GET',
      `/routing-rule/actions/${flakyAction}/dead-letters`,
    );
    expect(none.json.count).toBe(0);
    expect((await v5.request('DELETE', `/routing-rule/actions/${downAction}/dead-letters`)).status).toBe(204);
    const cleared = await v5.request<{ count: number }>(
      'GET',
      `/routing-rule/actions/${downAction}/dead-letters`,
    );
    expect(cleared.json.count).toBe(0);
    failing.delete('/down');
    // The host's failure count starts again: a success (a new body to /flaky, second attempt) resets it.
    await client.publishAsync(`$oc/devices/${id}/sys/messages/up`, '{"n":3}', { qos: 1 });
    expect(await pushesTo('/flaky', 6)).toHaveLength(6);
    await new Promise((r) => setTimeout(r, 200)); // bounded: the /down push of n:3 has landed too
  });

  it('stops pushing to a host for 5 minutes after 10 failures in a row', async () => {
    failing.add('/broken');
    await ruleTo('/broken', { subject: { resource: 'device.property', event: 'report' } });
    const id = await v5.addDevice(product, 'push-broken', 'pushSecret0123456789');
    const client = await connectDevice(mqtt, id, 'pushSecret0123456789');
    clients.push(client);
    for (let i = 0; i < 10; i++) await reportTemperature(client, id, i);
    expect(await pushesTo('/broken', 10)).toHaveLength(10);
    // The host is paused: these go nowhere, and neither do pushes to other paths of the same host.
    for (let i = 0; i < 3; i++) await reportTemperature(client, id, 100 + i);
    // The /hot rule matches 50 on the same host, and is held back too: nothing more arrives.
    await reportTemperature(client, id, 50);
    await new Promise((r) => setTimeout(r, 1_000)); // bounded: proves an absence
    expect(received.filter((r) => r.path === '/broken')).toHaveLength(10);
    expect(received.filter((r) => r.path === '/hot' && r.body['value'] === 50)).toHaveLength(0);
  });
});

describe('HTTPS push with an uploaded CA certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nidus-push-ca-'));
  const openssl = (args: string) => execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
  const seen: { servername: string | false | null; headers: IncomingMessage['headers']; text: string }[] = [];
  let httpsServer: ReturnType<typeof createHttpsServer>;
  let port: number;
  let caPem: string;

  beforeAll(async () => {
    // Spec 03 §6.5.1's recipe: an RSA 2048 CA for 3650 days, a server certificate it signs with SHA-256.
    openssl(
      'req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj /C=CN/ST=GD/L=SZ/O=Huawei/OU=IoT/CN=CA',
    );
    openssl('x509 -in ca.pem -outform der -out ca.der');
    caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    openssl('req -new -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=push.nidus.test');
    const ext = 'subjectAltName=DNS:push.nidus.test,IP:127.0.0.1\n';
    writeFileSync(join(dir, 'san.ext'), ext);
    openssl(
      'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 3650 -extfile san.ext -out server.pem',
    );
    httpsServer = createHttpsServer(
      { cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server.key')) },
      (req, res) => {
        void read(req).then((text) => {
          seen.push({ servername: (req.socket as TLSSocket).servername, headers: req.headers, text });
          res.end();
        });
      },
    );
    await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
    port = (httpsServer.address() as AddressInfo).port;
  });

  afterAll(() => httpsServer?.close());

  it('refuses what is not a certificate, keeps PEM and DER uploads, and lists and shows them', async () => {
    const upload = (body: Record<string, unknown>) =>
      v5.request<Record<string, string>>('POST', '/push-certificates', body);
    const domain = `127.0.0.1:${port}`;
    const jks = Buffer.concat([Buffer.from('feedfeed00000002', 'hex'), Buffer.alloc(40)]).toString('base64');
    for (const [content, problem] of [
      [jks, 'Java keystore'],
      ['hello', 'not an X.509 certificate'],
      [
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        'PEM block 1 is not an X.509 certificate',
      ],
    ] as const) {
      const refused = await upload({ content, domain });
      expect(refused.status).toBe(400);
      expect(refused.json).toEqual({
        error_code: 'IOTDA.000006',
        error_msg: expect.stringContaining(problem),
      });
    }
    expect((await upload({ content: caPem, domain: 'https://x' })).status).toBe(400);
    const pem = await upload({ cert_name: 'app CA', content: caPem, domain });
    expect(pem.status).toBe(201);
    expect(pem.json).toEqual({
      cert_id: expect.any(String),
      cert_name: 'app CA',
      domain,
      cn_name: 'CA',
      owner: 'Huawei',
      fingerprint_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      create_date: expect.stringMatching(/^\d{8}T\d{6}Z$/),
      effective_date: expect.stringMatching(/^\d{8}T\d{6}Z$/),
      expiry_date: expect.stringMatching(/^\d{8}T\d{6}Z$/),
    });
    const der = await upload({
      content: readFileSync(join(dir, 'ca.der')).toString('base64'),
      domain: 'other.test',
    });
    expect(der.status).toBe(201);
    expect(der.json).toMatchObject({
      domain: 'other.test:443',
      fingerprint_sha256: pem.json['fingerprint_sha256'],
    });
    const list = await v5.request<{ certificates: { cert_id: string }[]; count: number }>(
      'GET',
      '/push-certificates',
    );
    expect(list.json.count).toBe(2);
    expect(list.json.certificates.map((c) => c.cert_id)).toEqual([der.json['cert_id'], pem.json['cert_id']]);
    expect((await v5.request('GET', `/push-certificates/${pem.json['cert_id']}`)).json).toEqual(pem.json);
    expect((await v5.request('DELETE', `/push-certificates/${der.json['cert_id']}`)).status).toBe(204);
    const gone = await v5.request('GET', `/push-certificates/${der.json['cert_id']}`);
    expect([gone.status, (gone.json as { error_code: string }).error_code]).toEqual([404, 'IOTDA.904009']);
  });

  it('pushes to a server the uploaded CA vouches for, with SNI and a signature; the certificate stays while used', async () => {
    const { json: cert } = await v5.request<{ cert_id: string }>('POST', '/push-certificates', {
      content: caPem,
      domain: `127.0.0.1:${port}`,
    });
    const rule = await v5.request<{ rule_id: string }>('POST', '/routing-rule/rules', {
      subject: { resource: 'device.message', event: 'report' },
      select: 'notify_data.body.content AS content',
    });
    const action = (http: Record<string, unknown>) =>
      v5.request<{ action_id: string; error_code?: string; error_msg?: string }>(
        'POST',
        '/routing-rule/actions',
        {
          rule_id: rule.json.rule_id,
          channel: 'HTTP_FORWARDING',
          channel_detail: { http_forwarding: http },
        },
      );
    const url = `https://127.0.0.1:${port}/secure`;
    const wrongPort = await action({ url: `https://127.0.0.1:${port + 1}/`, cert_id: cert.cert_id });
    expect([wrongPort.status, wrongPort.json.error_msg]).toEqual([
      400,
      expect.stringContaining(`bound to 127.0.0.1:${port}`),
    ]);
    const plain = await action({ url: `http://127.0.0.1:${port}/`, cert_id: cert.cert_id });
    expect([plain.status, plain.json.error_msg]).toEqual([400, expect.stringContaining('only for https://')]);
    const unknown = await action({ url, cert_id: 'no-such-cert' });
    expect([unknown.status, unknown.json.error_code]).toEqual([404, 'IOTDA.904009']);
    const token = 'app-token-0123456789';
    const created = await action({
      url,
      cert_id: cert.cert_id,
      sni_enable: true,
      cn_name: 'push.nidus.test',
      signature_enable: true,
      token,
    });
    expect(created.status).toBe(201);
    expect(
      (await v5.request('PUT', `/routing-rule/rules/${rule.json.rule_id}`, { active: true })).status,
    ).toBe(200);
    const id = await v5.addDevice(product, 'push-https', 'pushSecret0123456789');
    const client = await connectDevice(mqtt, id, 'pushSecret0123456789');
    clients.push(client);
    await client.publishAsync(`$oc/devices/${id}/sys/messages/up`, '{"secure":true}', { qos: 1 });
    for (let i = 0; i < 300 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const [push] = seen;
    expect(push!.servername).toBe('push.nidus.test');
    expect(JSON.parse(push!.text)).toEqual({ content: { secure: true } });
    const timestamp = push!.headers['x-nidus-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHmac('sha256', token).update(`${timestamp}\n${push!.text}`).digest('hex');
    expect(push!.headers['x-nidus-signature']).toBe(`sha256=${expected}`);
    const inUse = await v5.request<{ error_code: string }>('DELETE', `/push-certificates/${cert.cert_id}`);
    expect([inUse.status, inUse.json.error_code]).toEqual([409, 'IOTDA.909015']);
  });
});
