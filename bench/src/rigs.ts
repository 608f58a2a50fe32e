import mongoose from 'mongoose';
import { freePorts } from '@nidus/testing';
import { type Deployment, type Target, distributed, embedded } from './nidus-target';
import type { Endpoint } from './sim/sim-device';

// The deployments the fault suite and the soak drive: the distributed shape with two mqtt-gateways and every service
// the device-to-application path needs, or one embedded process. Every app serves its metrics on a port of its own.

export interface Rig {
  readonly shape: 'distributed' | 'embedded';
  readonly target: Target;
  readonly deployment: Deployment;
  readonly gateways: readonly Endpoint[];
  readonly amqpPort: number;
  /** Each app's Prometheus endpoint, by its name in the deployment. */
  readonly metrics: ReadonlyMap<string, string>;
  /** The app whose endpoint counts pushes (`nidus_pushes_total`): the one running the rule engine. */
  readonly rules: string;
  /** The process that holds the AMQP queues. */
  readonly queues: string;
  /** Messages stored in an AMQP queue and not yet accepted (distributed rig: read from its database). */
  queued?(queue: string): Promise<number>;
  /** Stops every app; the distributed rig also drops its database. */
  stop(): Promise<void>;
}

/** The first of a rig's ports; its apps listen on the 17 from there. */
const basePort = () => freePorts(17);

/**
 * The distributed rig's database, its own and dropped when it stops: FerretDB scans a collection on most queries and
 * keeps a database in one SQLite file, so what an earlier run left would slow this one (docs/persistence/ferretdb.md).
 */
function ownDatabase(): string {
  return (process.env['MONGODB_URI'] ?? 'mongodb://127.0.0.1:27117/nidus').replace(
    /\/[^/?]*(\?|$)/,
    `/nidus_rig_${Date.now()}$1`,
  );
}

/** `env`: more settings, of every app. */
export async function distributedRig(env: Record<string, string> = {}): Promise<Rig> {
  const p = await basePort();
  const mongoUri = ownDatabase();
  const previous = process.env['MONGODB_URI'];
  process.env['MONGODB_URI'] = mongoUri;
  const gateway = (i: number) => ({
    MQTT_GATEWAY_HTTP_PORT: String(p + 5 + i),
    MQTT_PORT: String(p + 7 + i),
    MQTTS_PORT: '0',
    MQTT_WS_PORT: '0',
  });
  const apps: { app: string; name?: string; env: Record<string, string> }[] = [
    { app: 'shadow', env: { SHADOW_HTTP_PORT: String(p + 2) } },
    { app: 'rule-engine', env: { RULE_ENGINE_HTTP_PORT: String(p + 3) } },
    { app: 'amqp-push', env: { AMQP_PUSH_HTTP_PORT: String(p + 4), AMQP_PORT: String(p + 9) } },
    { app: 'mqtt-gateway', name: 'mqtt-gateway-a', env: gateway(0) },
    { app: 'mqtt-gateway', name: 'mqtt-gateway-b', env: gateway(1) },
  ];
  const metrics = new Map<string, string>();
  const withMetrics = apps.map((a, i) => {
    metrics.set(a.name ?? a.app, `http://127.0.0.1:${p + 12 + i}/metrics`);
    return { ...a, env: { ...env, ...a.env, METRICS_PORT: String(p + 12 + i) } };
  });
  try {
    const t = await distributed(p, withMetrics, { metricsPorts: [p + 10, p + 11] });
    metrics.set('device-registry', `http://127.0.0.1:${p + 10}/metrics`);
    metrics.set('api', `http://127.0.0.1:${p + 11}/metrics`);
    const at = (port: number) => ({ host: '127.0.0.1', port });
    return {
      shape: 'distributed',
      target: t,
      deployment: t.deployment,
      gateways: [at(p + 7), at(p + 8)],
      amqpPort: p + 9,
      metrics,
      rules: 'rule-engine',
      queues: 'amqp-push',
      queued: async (queue) => {
        const connection = await mongoose.createConnection(mongoUri).asPromise();
        try {
          return await connection.collection('amqp_messages').countDocuments({ 'data.queue': queue });
        } finally {
          await connection.close();
        }
      },
      stop: async () => {
        await t.stop();
        const connection = await mongoose.createConnection(mongoUri).asPromise();
        await connection.dropDatabase();
        await connection.close();
      },
    };
  } finally {
    if (previous === undefined) delete process.env['MONGODB_URI'];
    else process.env['MONGODB_URI'] = previous;
  }
}

/** `cpus`: the CPUs the process may use (taskset), all when not given. */
export async function embeddedRig(env: Record<string, string> = {}, cpus?: string): Promise<Rig> {
  const p = await basePort();
  const t = await embedded(
    p,
    {
      MQTT_PORT: String(p + 1),
      MQTTS_PORT: '0',
      MQTT_WS_PORT: '0',
      AMQP_PORT: String(p + 2),
      METRICS_PORT: String(p + 3),
      ...env,
    },
    cpus,
  );
  return {
    shape: 'embedded',
    target: t,
    deployment: t.deployment,
    gateways: [{ host: '127.0.0.1', port: p + 1 }],
    amqpPort: p + 2,
    metrics: new Map([['platform', `http://127.0.0.1:${p + 3}/metrics`]]),
    rules: 'platform',
    queues: 'platform',
    stop: () => t.stop(),
  };
}

/** The sum of a Prometheus text endpoint's samples of `name` whose labels include every one of `labels`. */
export async function scrape(
  url: string,
  name: string,
  labels: Record<string, string[]> = {},
): Promise<number> {
  return sampleSum(await metricsText(url), name, labels);
}

/** The text a Prometheus endpoint serves (a 5 s limit). */
export async function metricsText(url: string): Promise<string> {
  return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
}

/** The sum of the samples of `name` in Prometheus text whose labels include every one of `labels`. */
export function sampleSum(text: string, name: string, labels: Record<string, string[]> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const set = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!] as [string, string]),
    );
    if (Object.entries(labels).every(([k, values]) => values.includes(set[k] ?? '')))
      sum += Number(line.split(' ').at(-1));
  }
  return sum;
}
