import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { type ServiceName, serviceNames } from './service-catalogue';

/** What configuration a process runs with, validated once at boot (STYLE rule 5). README.md, "Configuration" lists it. */
export interface PlatformConfig {
  /** The services this process runs. */
  readonly services: readonly ServiceName[];
  /** Where the embedded shape keeps its data (bus journal, SQLite files). */
  readonly dataDir: string;
  /** Address every listener binds. */
  readonly bindHost: string;
  readonly instanceId: string;
  readonly logLevel: LogLevel;
  /** Prometheus metrics and process health; 0 turns the listener off. */
  readonly metricsPort: number;
  /** Longest a graceful shutdown may take before the process exits anyway, in ms. */
  readonly shutdownTimeoutMs: number;
  /**
   * How often a device gateway instance says it is alive (`iot.gateway.instance-alive.v1`); the registry takes one
   * three of its intervals behind the newest heartbeat of any instance as gone and reports its devices offline,
   * checking at this pace.
   */
  readonly gatewayHeartbeatMs: number;
  /** How long a synchronous command, property set or property get waits for the device's answer, in ms. */
  readonly syncCallTimeoutMs: number;
  /**
   * Asynchronous commands kept per device, queued and finished (spec 05 §3.5.5's history); a new one removes the
   * device's oldest finished ones beyond it.
   */
  readonly commandHistoryPerDevice: number;
  readonly bus: { readonly kind: 'memory' } | KafkaConfig;
  /** `cacheMb`: each embedded store's own page cache (one SQLite file per service; reads come from the mapped file). */
  readonly store:
    | { readonly kind: 'embedded'; readonly cacheMb: number }
    | { readonly kind: 'mongo'; readonly uri: string };
  readonly sessions: { readonly kind: 'memory' } | { readonly kind: 'redis'; readonly url: string };
  /** HTTP port per service; a service without one serves no HTTP of its own (embedded shape). */
  readonly httpPorts: Readonly<Partial<Record<ServiceName, number>>>;
  /** Where another process's service answers (`<SERVICE>_URL`); in-process services are found without it. */
  readonly serviceUrls: Readonly<Partial<Record<ServiceName, string>>>;
  /** Shared by the services of one deployment: the api proves itself to the services behind it with it (ADR 0006). */
  readonly internalToken?: string;
  /** The 32-byte key that encrypts device secrets and access-key secrets at rest. */
  readonly secretKey?: Buffer;
  /** The default project and its admin credentials, when set rather than generated on first start. */
  readonly admin: AdminOverrides;
  /** Largest accepted |server time − X-Sdk-Date| of a signed API request, in seconds (spec 05 §2.5). */
  readonly apiMaxClockSkewS: number;
  readonly mqtt: MqttConfig;
  readonly amqp: AmqpConfig;
  /**
   * PEM files of the client certificate HTTPS pushes present to an application server that asks for one (spec 03 §6.5,
   * "platform authentication"); unset: the development certificate in `<dataDir>/tls`.
   */
  readonly push: { readonly tlsCertFile?: string; readonly tlsKeyFile?: string };
}

/** The AMQP 1.0 endpoint for applications (spec 03 §6.7). Ports 0 turn a listener off. */
export interface AmqpConfig {
  /** Plain AMQP, for development (IoTDA accepts only AMQPS). */
  readonly port: number;
  readonly tlsPort: number;
  /** PEM files of the AMQPS server certificate; unset: the development CA and certificate in `<dataDir>/tls`. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** Stored bytes of queued messages a project may hold; beyond them its oldest go (spec 03 §6.6: 1 GB). */
  readonly projectCapBytes: number;
  /** How often expired messages are dropped, in s; the size cap is checked every tenth time (it reads every message). */
  readonly sweepS: number;
}

/** The MQTT device gateway (spec 01 §2.6, spec 04 §1.3.2). Ports 0 turn a listener off. */
export interface MqttConfig {
  readonly port: number;
  readonly tlsPort: number;
  readonly wsPort: number;
  /** PEM files of the MQTTS server certificate; unset: a development CA and certificate in `<dataDir>/tls`. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** Accepted keepalive, in seconds (spec 01 §2.6.6 [Rec]: 30–1200). */
  readonly keepaliveMinS: number;
  readonly keepaliveMaxS: number;
  /** Hours a sign-type-1 timestamp may be from now (spec 01 §2.6.4 [Rec]: 2). */
  readonly timestampWindowH: number;
  /** Largest MQTT packet accepted, in bytes; a larger one closes the connection. */
  readonly maxPacketBytes: number;
  /** FC-4 upstream byte rate of one connection, bytes/s (spec 04 L-9: 3072); 0 turns it off. */
  readonly connectionBytesPerS: number;
  /** Failed logins one source address may make per minute after a burst; over it, blocked (0: no limit). */
  readonly loginFailures: { readonly perMin: number; readonly burst: number; readonly blockS: number };
}

export interface AdminOverrides {
  readonly projectId?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly token?: string;
}

export interface KafkaConfig {
  readonly kind: 'kafka';
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof logLevels)[number];

export type Env = Readonly<Record<string, string | undefined>>;

/** The process stops at boot with this, naming every bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected host:port');

const envSchema = z.object({
  NIDUS_SERVICES: z.string().optional(),
  NIDUS_DATA_DIR: z.string().min(1).default('./data'),
  NIDUS_BIND_HOST: z.string().min(1).default('0.0.0.0'),
  NIDUS_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  NIDUS_SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  NIDUS_GATEWAY_HEARTBEAT_MS: positiveInt.default(10_000),
  SHADOW_SYNC_TIMEOUT_MS: positiveInt.max(600_000).default(20_000),
  SHADOW_COMMAND_HISTORY_PER_DEVICE: positiveInt.max(100_000).default(100),
  NIDUS_BUS: z.enum(['memory', 'kafka']).default('memory'),
  NIDUS_STORE: z.enum(['embedded', 'mongo']).default('embedded'),
  NIDUS_STORE_CACHE_MB: positiveInt.max(65_536).default(8),
  NIDUS_SESSIONS: z.enum(['memory', 'redis']).default('memory'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  METRICS_PORT: port.default(9464),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('nidus'),
  KAFKA_TOPIC_PARTITIONS: positiveInt.max(1000).default(6),
  KAFKA_REPLICATION_FACTOR: positiveInt.max(7).default(1),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'expected a mongodb:// URI')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// URI')
    .optional(),
  NIDUS_INTERNAL_TOKEN: z.string().min(16, 'at least 16 characters').max(256).optional(),
  NIDUS_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (32 bytes)')
    .optional(),
  NIDUS_DEFAULT_PROJECT_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected 1-64 of [A-Za-z0-9_-]')
    .optional(),
  NIDUS_ADMIN_AK: z
    .string()
    .regex(/^[A-Za-z0-9]{8,64}$/, 'expected 8-64 letters and digits')
    .optional(),
  NIDUS_ADMIN_SK: z.string().min(16, 'at least 16 characters').max(128).optional(),
  NIDUS_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').max(512).optional(),
  API_AUTH_MAX_SKEW_S: positiveInt.max(86_400).default(900),
  MQTT_PORT: port.default(1883),
  MQTTS_PORT: port.default(8883),
  MQTT_WS_PORT: port.default(8083),
  MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
  MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
  MQTT_KEEPALIVE_MIN_S: z.coerce.number().int().min(0).max(65_535).default(30),
  MQTT_KEEPALIVE_MAX_S: z.coerce.number().int().min(1).max(65_535).default(1200),
  MQTT_TIMESTAMP_WINDOW_H: z.coerce.number().int().min(0).max(240).default(2),
  MQTT_MAX_PACKET_BYTES: positiveInt.max(268_435_455).default(1_048_576 + 1024),
  MQTT_CONNECTION_BYTES_PER_S: z.coerce.number().int().min(0).default(3072),
  MQTT_LOGIN_FAILURES_PER_MIN: z.coerce.number().int().min(0).default(10),
  MQTT_LOGIN_FAILURE_BURST: positiveInt.max(100_000).default(20),
  MQTT_LOGIN_BLOCK_S: positiveInt.max(86_400).default(60),
  AMQP_PORT: port.default(5672),
  AMQPS_PORT: port.default(5671),
  AMQP_TLS_CERT_FILE: z.string().min(1).optional(),
  AMQP_TLS_KEY_FILE: z.string().min(1).optional(),
  AMQP_PROJECT_CAP_BYTES: positiveInt.default(1024 ** 3),
  AMQP_SWEEP_S: positiveInt.max(86_400).default(60),
  PUSH_TLS_CERT_FILE: z.string().min(1).optional(),
  PUSH_TLS_KEY_FILE: z.string().min(1).optional(),
});

/** `<SERVICE>_HTTP_PORT`, e.g. `API_HTTP_PORT`, `DEVICE_REGISTRY_HTTP_PORT` (STYLE names). */
export function httpPortKey(service: ServiceName): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_HTTP_PORT`;
}

/** `<SERVICE>_URL`, e.g. `DEVICE_REGISTRY_URL`: where the distributed shape reaches a service. */
export function serviceUrlKey(service: ServiceName): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_URL`;
}

const knownKeys = new Set([
  ...Object.keys(envSchema.shape),
  ...serviceNames.map(httpPortKey),
  ...serviceNames.map(serviceUrlKey),
]);
const httpUrl = z.url({ protocol: /^https?$/ });
const ownPrefixes = /^NIDUS_(?!INFRA_|TEST_)/; // tools/infra and the test suites keep their own NIDUS_INFRA_*, NIDUS_TEST_*

export interface LoadOptions {
  /** The services this process runs when NIDUS_SERVICES is unset. */
  defaultServices: readonly ServiceName[];
  /** HTTP port of a service whose `<SERVICE>_HTTP_PORT` is unset. */
  defaultHttpPorts?: Partial<Record<ServiceName, number>>;
}

/** Reads and validates the environment; throws ConfigError listing every bad key at once. */
export function loadConfig(env: Env, options: LoadOptions): PlatformConfig {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(
        `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`,
      );
  }
  for (const key of Object.keys(env)) {
    if (ownPrefixes.test(key) && !knownKeys.has(key))
      problems.push(`${key}: unknown setting (README.md, "Configuration" lists them)`);
  }
  const services = parseServices(env['NIDUS_SERVICES'], options.defaultServices, problems);
  const httpPorts: Partial<Record<ServiceName, number>> = {};
  for (const service of serviceNames) {
    const key = httpPortKey(service);
    const raw = env[key];
    if (raw === undefined) {
      const fallback = options.defaultHttpPorts?.[service];
      if (fallback !== undefined) httpPorts[service] = fallback;
      continue;
    }
    const value = port.safeParse(raw);
    if (value.success) httpPorts[service] = value.data;
    else problems.push(`${key}: expected a port number 0-65535 (got ${JSON.stringify(raw)})`);
  }
  const serviceUrls: Partial<Record<ServiceName, string>> = {};
  for (const service of serviceNames) {
    const key = serviceUrlKey(service);
    const raw = env[key];
    if (raw === undefined) continue;
    if (httpUrl.safeParse(raw).success) serviceUrls[service] = raw.replace(/\/+$/, '');
    else problems.push(`${key}: expected an http(s):// URL (got ${JSON.stringify(raw)})`);
  }
  if (parsed.success) checkDependentKeys(parsed.data, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;

  return {
    services,
    dataDir: resolve(e.NIDUS_DATA_DIR),
    bindHost: e.NIDUS_BIND_HOST,
    instanceId: e.NIDUS_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    logLevel: e.LOG_LEVEL,
    metricsPort: e.METRICS_PORT,
    shutdownTimeoutMs: e.NIDUS_SHUTDOWN_TIMEOUT_MS,
    gatewayHeartbeatMs: e.NIDUS_GATEWAY_HEARTBEAT_MS,
    syncCallTimeoutMs: e.SHADOW_SYNC_TIMEOUT_MS,
    commandHistoryPerDevice: e.SHADOW_COMMAND_HISTORY_PER_DEVICE,
    bus:
      e.NIDUS_BUS === 'kafka'
        ? {
            kind: 'kafka',
            brokers: e.KAFKA_BROKERS!.split(',').map((b) => b.trim()),
            clientId: e.KAFKA_CLIENT_ID,
            partitions: e.KAFKA_TOPIC_PARTITIONS,
            replicationFactor: e.KAFKA_REPLICATION_FACTOR,
          }
        : { kind: 'memory' },
    store:
      e.NIDUS_STORE === 'mongo'
        ? { kind: 'mongo', uri: e.MONGODB_URI! }
        : { kind: 'embedded', cacheMb: e.NIDUS_STORE_CACHE_MB },
    sessions: e.NIDUS_SESSIONS === 'redis' ? { kind: 'redis', url: e.REDIS_URL! } : { kind: 'memory' },
    httpPorts,
    serviceUrls,
    ...(e.NIDUS_INTERNAL_TOKEN ? { internalToken: e.NIDUS_INTERNAL_TOKEN } : {}),
    ...(e.NIDUS_SECRET_KEY ? { secretKey: Buffer.from(e.NIDUS_SECRET_KEY, 'hex') } : {}),
    admin: {
      ...(e.NIDUS_DEFAULT_PROJECT_ID ? { projectId: e.NIDUS_DEFAULT_PROJECT_ID } : {}),
      ...(e.NIDUS_ADMIN_AK ? { accessKey: e.NIDUS_ADMIN_AK } : {}),
      ...(e.NIDUS_ADMIN_SK ? { secretKey: e.NIDUS_ADMIN_SK } : {}),
      ...(e.NIDUS_ADMIN_TOKEN ? { token: e.NIDUS_ADMIN_TOKEN } : {}),
    },
    apiMaxClockSkewS: e.API_AUTH_MAX_SKEW_S,
    mqtt: {
      port: e.MQTT_PORT,
      tlsPort: e.MQTTS_PORT,
      wsPort: e.MQTT_WS_PORT,
      ...(e.MQTT_TLS_CERT_FILE ? { tlsCertFile: resolve(e.MQTT_TLS_CERT_FILE) } : {}),
      ...(e.MQTT_TLS_KEY_FILE ? { tlsKeyFile: resolve(e.MQTT_TLS_KEY_FILE) } : {}),
      keepaliveMinS: e.MQTT_KEEPALIVE_MIN_S,
      keepaliveMaxS: e.MQTT_KEEPALIVE_MAX_S,
      timestampWindowH: e.MQTT_TIMESTAMP_WINDOW_H,
      maxPacketBytes: e.MQTT_MAX_PACKET_BYTES,
      connectionBytesPerS: e.MQTT_CONNECTION_BYTES_PER_S,
      loginFailures: {
        perMin: e.MQTT_LOGIN_FAILURES_PER_MIN,
        burst: e.MQTT_LOGIN_FAILURE_BURST,
        blockS: e.MQTT_LOGIN_BLOCK_S,
      },
    },
    amqp: {
      port: e.AMQP_PORT,
      tlsPort: e.AMQPS_PORT,
      ...(e.AMQP_TLS_CERT_FILE ? { tlsCertFile: resolve(e.AMQP_TLS_CERT_FILE) } : {}),
      ...(e.AMQP_TLS_KEY_FILE ? { tlsKeyFile: resolve(e.AMQP_TLS_KEY_FILE) } : {}),
      projectCapBytes: e.AMQP_PROJECT_CAP_BYTES,
      sweepS: e.AMQP_SWEEP_S,
    },
    push: {
      ...(e.PUSH_TLS_CERT_FILE ? { tlsCertFile: resolve(e.PUSH_TLS_CERT_FILE) } : {}),
      ...(e.PUSH_TLS_KEY_FILE ? { tlsKeyFile: resolve(e.PUSH_TLS_KEY_FILE) } : {}),
    },
  };
}

/** Keys required by the choice of another key: a Kafka bus needs brokers, and so on. */
function checkDependentKeys(e: z.infer<typeof envSchema>, problems: string[]): void {
  if (e.NIDUS_BUS === 'kafka') {
    if (!e.KAFKA_BROKERS) problems.push('KAFKA_BROKERS: required when NIDUS_BUS=kafka');
    else {
      for (const broker of e.KAFKA_BROKERS.split(',').map((b) => b.trim())) {
        if (!hostPort.safeParse(broker).success)
          problems.push(`KAFKA_BROKERS: ${JSON.stringify(broker)} is not host:port`);
      }
    }
  }
  if (e.NIDUS_STORE === 'mongo' && !e.MONGODB_URI)
    problems.push('MONGODB_URI: required when NIDUS_STORE=mongo');
  if (e.NIDUS_SESSIONS === 'redis' && !e.REDIS_URL)
    problems.push('REDIS_URL: required when NIDUS_SESSIONS=redis');
  // Without a data directory of its own, a deployment must share one key and one token among its processes.
  if (e.NIDUS_STORE === 'mongo' && !e.NIDUS_SECRET_KEY)
    problems.push('NIDUS_SECRET_KEY: required when NIDUS_STORE=mongo (generate one: openssl rand -hex 32)');
  if ((e.MQTT_TLS_CERT_FILE === undefined) !== (e.MQTT_TLS_KEY_FILE === undefined))
    problems.push('MQTT_TLS_CERT_FILE, MQTT_TLS_KEY_FILE: set both or neither');
  if ((e.AMQP_TLS_CERT_FILE === undefined) !== (e.AMQP_TLS_KEY_FILE === undefined))
    problems.push('AMQP_TLS_CERT_FILE, AMQP_TLS_KEY_FILE: set both or neither');
  if ((e.PUSH_TLS_CERT_FILE === undefined) !== (e.PUSH_TLS_KEY_FILE === undefined))
    problems.push('PUSH_TLS_CERT_FILE, PUSH_TLS_KEY_FILE: set both or neither');
  if (e.MQTT_KEEPALIVE_MIN_S > e.MQTT_KEEPALIVE_MAX_S)
    problems.push('MQTT_KEEPALIVE_MIN_S: above MQTT_KEEPALIVE_MAX_S');
  if ((e.NIDUS_ADMIN_AK === undefined) !== (e.NIDUS_ADMIN_SK === undefined))
    problems.push('NIDUS_ADMIN_AK, NIDUS_ADMIN_SK: set both or neither');
}

function parseServices(
  raw: string | undefined,
  defaults: readonly ServiceName[],
  problems: string[],
): ServiceName[] {
  if (raw === undefined || raw.trim() === '') return [...defaults];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !defaults.includes(n as ServiceName));
  if (unknown.length > 0)
    problems.push(`NIDUS_SERVICES: ${unknown.join(', ')} not among ${defaults.join(', ')}`);
  return [...new Set(names.filter((n): n is ServiceName => defaults.includes(n as ServiceName)))];
}
