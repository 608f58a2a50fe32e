import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatSdkDate, signRequest } from '@nidus/protocol-iotda-signing';

// The Nidus processes a benchmark runs against, in either shape, and the signed v5 client that drives them.

const root = resolve(__dirname, '..', '..', '..', '..'); // dist/bench/bench/src → the repository

export interface Target {
  base: string;
  project: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

export const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One request signed as the SDKs sign it (SDK-HMAC-SHA256); resolves with status and body. */
export function call(
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

/** Every app this process started and that still runs: none outlives a bench that fails or is interrupted. */
const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** Starts a built app; `taskset` pins it to CPUs (e.g. '0') when given. Resolves once its banner is printed. */
export function startApp(app: string, env: Record<string, string>, cpus?: string): Promise<ChildProcess> {
  const main = join(root, `dist/apps/${app}/apps/${app}/src/main.js`);
  // NIDUS_BENCH_NODE_ARGS: more node flags for the servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` or `--trace-gc`
  const node = [
    join(root, 'tools', 'nidus-node'),
    ...(process.env['NIDUS_BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    main,
  ];
  const [program, argv] = cpus ? ['taskset', ['-c', cpus, ...node]] : [node[0]!, node.slice(1)];
  const child = spawn(program, argv, {
    env: {
      PATH: process.env['PATH'] ?? '',
      NIDUS_BIND_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      METRICS_PORT: '0',
      AMQP_PORT: '0', // the benches that push to applications give it a port
      AMQPS_PORT: '0',
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
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  return new Promise((resolveUp, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Nidus is up')) resolveUp(child);
    });
    child.once('exit', (code) => reject(new Error(`${app} exited ${code}: ${stderr}`)));
  });
}

export const stopped = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });

/** The apps of one deployment, by name, each restartable with the settings it was started with. */
export class Deployment {
  private readonly apps = new Map<
    string,
    { app: string; env: Record<string, string>; cpus?: string; child: ChildProcess }
  >();

  async start(name: string, app: string, env: Record<string, string>, cpus?: string): Promise<ChildProcess> {
    const child = await startApp(app, env, cpus);
    this.apps.set(name, { app, env, ...(cpus ? { cpus } : {}), child });
    return child;
  }

  pid(name: string): number {
    return this.running(name).child.pid!;
  }

  names(): string[] {
    return [...this.apps.keys()];
  }

  /** Sends `signal` (SIGKILL: a crash) and resolves once the process is gone. */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const { child } = this.running(name);
    return new Promise((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
      child.kill(signal);
    });
  }

  /** Starts the app again with its settings (after `kill`, as a supervisor would). */
  async restart(name: string): Promise<void> {
    const { app, env, cpus } = this.running(name);
    await this.start(name, app, env, cpus);
  }

  /** Stops every app, the last started first. */
  async stop(): Promise<void> {
    for (const { child } of [...this.apps.values()].reverse()) await stopped(child);
  }

  private running(name: string) {
    const entry = this.apps.get(name);
    if (!entry) throw new Error(`no app ${name} in this deployment`);
    return entry;
  }
}

export async function embedded(
  port: number,
  env: Record<string, string> = {},
  cpus?: string,
): Promise<Target & { pid: number; deployment: Deployment }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nidus-bench-api-'));
  const deployment = new Deployment();
  const child = await deployment.start(
    'platform',
    'platform',
    { NIDUS_DATA_DIR: dataDir, API_HTTP_PORT: String(port), ...env },
    cpus,
  );
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as Record<string, string>;
  return {
    base: `http://127.0.0.1:${port}`,
    project: creds['project_id']!,
    accessKey: creds['access_key']!,
    secretKey: creds['secret_key']!,
    pid: child.pid!,
    deployment,
    stop: async () => {
      await deployment.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * api and device-registry over Kafka, FerretDB and Redis (tools/infra); `more` starts further apps of the same
 * deployment (e.g. mqtt-gateway) with their own settings.
 */
export async function distributed(
  port: number,
  more: { app: string; env: Record<string, string>; cpus?: string; name?: string }[] = [],
  options: { metricsPorts?: [registry: number, api: number] } = {},
): Promise<Target & { pids: number[]; deployment: Deployment }> {
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
  // Where each service answers; `more` starts shadow, rule-engine and amqp-push on these ports when it starts them.
  const urls = {
    DEVICE_REGISTRY_URL: `http://127.0.0.1:${port + 1}`,
    SHADOW_URL: `http://127.0.0.1:${port + 2}`,
    RULE_ENGINE_URL: `http://127.0.0.1:${port + 3}`,
    AMQP_PUSH_URL: `http://127.0.0.1:${port + 4}`,
  };
  const deployment = new Deployment();
  await deployment.start('device-registry', 'device-registry', {
    ...shared,
    DEVICE_REGISTRY_HTTP_PORT: String(port + 1),
    ...(options.metricsPorts ? { METRICS_PORT: String(options.metricsPorts[0]) } : {}),
  });
  await deployment.start('api', 'api', {
    ...shared,
    API_HTTP_PORT: String(port),
    ...urls,
    NIDUS_DEFAULT_PROJECT_ID: admin.project,
    NIDUS_ADMIN_AK: admin.accessKey,
    NIDUS_ADMIN_SK: admin.secretKey,
    ...(options.metricsPorts ? { METRICS_PORT: String(options.metricsPorts[1]) } : {}),
  });
  const pids: number[] = [];
  for (const m of more) {
    const child = await deployment.start(m.name ?? m.app, m.app, { ...shared, ...urls, ...m.env }, m.cpus);
    pids.push(child.pid!);
  }
  return {
    base: `http://127.0.0.1:${port}`,
    ...admin,
    pids,
    deployment,
    stop: () => deployment.stop(),
  };
}
