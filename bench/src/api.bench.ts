import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatSdkDate, signRequest } from '@nidus/protocol-iotda-signing';

// The v5 application API under signed load (issue 3): add_device and show_device throughput and latency with
// `devices` devices registered, and list_devices latency as the registry grows, in the embedded shape and (with
// the infrastructure of tools/infra up) the distributed one. A bare node:http server answering a canned body to
// the same client is the reference: the most this client and machine can do.
// Usage: npm run bench:api [-- devices=100000 reads=20000 concurrency=32 shapes=embedded,distributed lists=1]

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const devices = Number(args['devices'] ?? 100_000);
const reads = Number(args['reads'] ?? 20_000);
const concurrency = Number(args['concurrency'] ?? 32);
const shapes = (args['shapes'] ?? 'embedded,distributed').split(',');
const withLists = args['lists'] !== '0'; // lists=0 skips the list phases (slow on FerretDB, see docs/benchmarks.md)
const root = resolve(__dirname, '..', '..', '..', '..'); // dist/bench/bench/src → the repository

interface Target {
  base: string;
  project: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

/** One request signed as the SDKs sign it (SDK-HMAC-SHA256); resolves with status and body. */
function call(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const url = new URL(`${t.base}/v5/iot/${t.project}${path}`);
  const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body));
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/json',
    'x-sdk-date': formatSdkDate(Date.now()),
  };
  headers['authorization'] = signRequest(
    { method, path: url.pathname, query: url.search.slice(1), headers, body: payload },
    { accessKey: t.accessKey, secretKey: t.secretKey },
    { scheme: 'SDK-HMAC-SHA256', sdkDate: headers['x-sdk-date']! },
  );
  return new Promise((resolveCall, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolveCall({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `count` operations from `concurrency` workers; every answer must have `expected` status. */
async function load(
  count: number,
  expected: number,
  op: (i: number) => Promise<{ status: number; body: string }>,
) {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        const res = await op(i);
        if (res.status !== expected) throw new Error(`operation ${i}: HTTP ${res.status} ${res.body}`);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { perSecond: count / seconds, p50: pct(0.5), p99: pct(0.99) } satisfies Figures;
}

/** Prints one measured row; a phase that fails is reported, and the next phase still runs. */
async function row(name: string, measure: Promise<Figures>): Promise<void> {
  try {
    const f = await measure;
    console.log(
      `  ${name.padEnd(42)} ${String(Math.round(f.perSecond)).padStart(7)}/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms`,
    );
  } catch (error) {
    console.log(
      `  ${name.padEnd(42)} failed: ${error instanceof Error ? error.message.slice(0, 160) : String(error)}`,
    );
  }
}

function startApp(app: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, `dist/apps/${app}/apps/${app}/src/main.js`)], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NIDUS_BIND_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      ...env,
    },
    stdio: [
      'ignore',
      process.env['NIDUS_BENCH_LOGS']
        ? openSync(`${process.env['NIDUS_BENCH_LOGS']}/${app}.log`, 'a')
        : 'ignore',
      'pipe',
    ],
  });
  let stderr = '';
  return new Promise((resolveUp, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Nidus is up')) resolveUp(child);
    });
    child.once('exit', (code) => reject(new Error(`${app} exited ${code}: ${stderr}`)));
  });
}

const stopped = (child: ChildProcess) =>
  new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });

async function embedded(port: number): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bench-api-'));
  const child = await startApp('platform', { NIDUS_DATA_DIR: dataDir, API_HTTP_PORT: String(port) });
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as Record<string, string>;
  return {
    base: `http://127.0.0.1:${port}`,
    project: creds['project_id']!,
    accessKey: creds['access_key']!,
    secretKey: creds['secret_key']!,
    stop: async () => {
      await stopped(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function distributed(port: number): Promise<Target> {
  const hex = (n: number) => randomBytes(n).toString('hex');
  const admin = { project: hex(16), accessKey: `BENCH${hex(8).toUpperCase()}`, secretKey: hex(20) };
  const shared = {
    NIDUS_BUS: 'kafka',
    NIDUS_STORE: 'mongo',
    NIDUS_SESSIONS: 'redis',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:29092',
    MONGODB_URI: process.env['MONGODB_URI'] ?? 'mongodb://127.0.0.1:27117/nidus',
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379',
    NIDUS_SECRET_KEY: hex(32),
    NIDUS_INTERNAL_TOKEN: hex(24),
    NIDUS_DATA_DIR: mkdtempSync(join(tmpdir(), 'nidus-bench-api-')),
  };
  const registry = await startApp('device-registry', {
    ...shared,
    DEVICE_REGISTRY_HTTP_PORT: String(port + 1),
  });
  const api = await startApp('api', {
    ...shared,
    API_HTTP_PORT: String(port),
    DEVICE_REGISTRY_URL: `http://127.0.0.1:${port + 1}`,
    NIDUS_DEFAULT_PROJECT_ID: admin.project,
    NIDUS_ADMIN_AK: admin.accessKey,
    NIDUS_ADMIN_SK: admin.secretKey,
  });
  return {
    base: `http://127.0.0.1:${port}`,
    ...admin,
    stop: async () => {
      await stopped(api);
      await stopped(registry);
    },
  };
}

async function bench(name: string, t: Target): Promise<void> {
  console.log(`\n${name}: ${devices} devices, ${concurrency} concurrent signed clients`);
  const product = await call(t, 'POST', '/products', {
    name: `Bench${Date.now()}`,
    device_type: 'Meter',
    protocol_type: 'MQTT',
    service_capabilities: [{ service_id: 'Meter', service_type: 'Meter' }],
  });
  const productId = (JSON.parse(product.body) as { product_id: string }).product_id;
  const create = (i: number) => call(t, 'POST', '/devices', { node_id: `n${i}`, product_id: productId });
  const list = async (label: string) => {
    if (!withLists) return;
    await row(
      `list_devices, first page (${label})`,
      load(500, 200, () => call(t, 'GET', '/devices?limit=50')),
    );
    const middle = JSON.parse((await call(t, 'GET', '/devices?limit=50&offset=500')).body) as {
      page: { marker: string };
    };
    await row(
      `list_devices, by marker (${label})`,
      load(500, 200, () => call(t, 'GET', `/devices?limit=50&marker=${middle.page.marker}`)),
    );
  };
  const firstBatch = Math.min(devices, 10_000);
  await row(`add_device (0 → ${firstBatch})`, load(firstBatch, 201, create));
  await list(`${firstBatch} devices`);
  if (devices > firstBatch) {
    await row(
      `add_device (${firstBatch} → ${devices})`,
      load(devices - firstBatch, 201, (i) => create(firstBatch + i)),
    );
    await list(`${devices} devices`);
  }
  await row(
    'show_device (random device)',
    load(reads, 200, () => call(t, 'GET', `/devices/${productId}_n${Math.floor(Math.random() * devices)}`)),
  );
}

/** The reference: a bare node:http server answering a show_device-sized body, to the same signed client. */
async function reference(port: number): Promise<void> {
  const body = JSON.stringify({ device_id: 'x'.repeat(40), padding: 'y'.repeat(500) });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const t: Target = {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    project: 'p',
    accessKey: 'AK',
    secretKey: 'SK',
    stop: async () => undefined,
  };
  console.log('\nreference: bare node:http server, same client and signing');
  await row(
    'canned GET',
    load(reads, 200, () => call(t, 'GET', '/devices/x')),
  );
  await new Promise<void>((r) => server.close(() => r()));
}

async function main(): Promise<void> {
  const port = 18_000 + Math.floor(Math.random() * 2000) * 2;
  await reference(port);
  for (const shape of shapes) {
    const target = shape === 'distributed' ? await distributed(port + 2) : await embedded(port + 4);
    try {
      await bench(`${shape} shape`, target);
    } finally {
      await target.stop();
    }
  }
  agent.destroy();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
