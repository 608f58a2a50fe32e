import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Target, agent, call, distributed, embedded } from './nidus-target';
import { freePorts } from '@nidus/testing';

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
  const port = await freePorts(8);
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
