import { ConfigError, loadConfig } from './platform.config';

const options = { defaultServices: ['api', 'device-registry'] as const, defaultHttpPorts: { api: 8080 } };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the embedded shape with no settings at all', () => {
    const config = loadConfig({}, options);
    expect(config).toMatchObject({
      services: ['api', 'device-registry'],
      bus: { kind: 'memory' },
      store: { kind: 'embedded', cacheMb: 8 },
      sessions: { kind: 'memory' },
      logLevel: 'info',
      metricsPort: 9464,
      httpPorts: { api: 8080 },
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads the distributed shape', () => {
    const config = loadConfig(
      {
        NIDUS_BUS: 'kafka',
        KAFKA_BROKERS: '127.0.0.1:9092, kafka-1:9092',
        NIDUS_STORE: 'mongo',
        MONGODB_URI: 'mongodb://db:27017/nidus',
        NIDUS_SESSIONS: 'redis',
        REDIS_URL: 'redis://cache:6379',
        NIDUS_SERVICES: 'device-registry',
        DEVICE_REGISTRY_HTTP_PORT: '8081',
        DEVICE_REGISTRY_URL: 'http://registry.nidus:8080/',
        NIDUS_SECRET_KEY: 'ab'.repeat(32),
        NIDUS_INTERNAL_TOKEN: 'internal-token-0123456789',
      },
      options,
    );
    expect(config).toMatchObject({
      services: ['device-registry'],
      bus: {
        kind: 'kafka',
        brokers: ['127.0.0.1:9092', 'kafka-1:9092'],
        partitions: 6,
        replicationFactor: 1,
      },
      store: { kind: 'mongo', uri: 'mongodb://db:27017/nidus' },
      sessions: { kind: 'redis', url: 'redis://cache:6379' },
      httpPorts: { api: 8080, 'device-registry': 8081 },
      serviceUrls: { 'device-registry': 'http://registry.nidus:8080' },
      internalToken: 'internal-token-0123456789',
    });
    expect(config.secretKey).toEqual(Buffer.alloc(32, 0xab));
  });

  it('reads the admin overrides and refuses half a key pair', () => {
    const config = loadConfig(
      {
        NIDUS_DEFAULT_PROJECT_ID: 'p1',
        NIDUS_ADMIN_AK: 'ADMINAK0001',
        NIDUS_ADMIN_SK: 'admin-secret-key-0001',
        NIDUS_ADMIN_TOKEN: 'admin-token-0123456789',
      },
      options,
    );
    expect(config.admin).toEqual({
      projectId: 'p1',
      accessKey: 'ADMINAK0001',
      secretKey: 'admin-secret-key-0001',
      token: 'admin-token-0123456789',
    });
    expect(problemsOf({ NIDUS_ADMIN_AK: 'ADMINAK0001' })).toEqual([
      'NIDUS_ADMIN_AK, NIDUS_ADMIN_SK: set both or neither',
    ]);
    expect(problemsOf({ PUSH_TLS_CERT_FILE: 'client.pem' })).toEqual([
      'PUSH_TLS_CERT_FILE, PUSH_TLS_KEY_FILE: set both or neither',
    ]);
    const push = loadConfig({ PUSH_TLS_CERT_FILE: 'c.pem', PUSH_TLS_KEY_FILE: 'k.pem' }, options).push;
    expect(push).toEqual({
      tlsCertFile: expect.stringMatching(/\/c\.pem$/),
      tlsKeyFile: expect.stringMatching(/\/k\.pem$/),
    });
    expect(
      problemsOf({ NIDUS_SECRET_KEY: 'short', DEVICE_REGISTRY_URL: 'ftp://x' }).map((p) => p.split(':')[0]),
    ).toEqual(expect.arrayContaining(['NIDUS_SECRET_KEY', 'DEVICE_REGISTRY_URL']));
  });

  it('reads the limit on failed logins and the AMQP cap, and refuses a burst or a cap of 0', () => {
    expect(loadConfig({}, options)).toMatchObject({
      mqtt: { loginFailures: { perMin: 10, burst: 20, blockS: 60 } },
      amqp: { projectCapBytes: 1024 ** 3, sweepS: 60 },
    });
    const set = loadConfig(
      {
        MQTT_LOGIN_FAILURES_PER_MIN: '0',
        MQTT_LOGIN_BLOCK_S: '5',
        AMQP_PROJECT_CAP_BYTES: '65536',
        AMQP_SWEEP_S: '1',
      },
      options,
    );
    expect(set.mqtt.loginFailures).toEqual({ perMin: 0, burst: 20, blockS: 5 });
    expect(set.amqp).toMatchObject({ projectCapBytes: 65_536, sweepS: 1 });
    const keys = problemsOf({ MQTT_LOGIN_FAILURE_BURST: '0', AMQP_PROJECT_CAP_BYTES: '0' }).map(
      (p) => p.split(':')[0],
    );
    expect(keys).toEqual(['MQTT_LOGIN_FAILURE_BURST', 'AMQP_PROJECT_CAP_BYTES']);
  });

  it('reads the embedded store page cache, in MB', () => {
    expect(loadConfig({ NIDUS_STORE_CACHE_MB: '64' }, options).store).toEqual({
      kind: 'embedded',
      cacheMb: 64,
    });
    expect(problemsOf({ NIDUS_STORE_CACHE_MB: '0' })[0]).toMatch(/^NIDUS_STORE_CACHE_MB:/);
  });

  it('reads how many asynchronous commands a device keeps, from 1', () => {
    expect(loadConfig({}, options).commandHistoryPerDevice).toBe(100);
    expect(loadConfig({ SHADOW_COMMAND_HISTORY_PER_DEVICE: '5' }, options).commandHistoryPerDevice).toBe(5);
    expect(problemsOf({ SHADOW_COMMAND_HISTORY_PER_DEVICE: '0' })[0]).toMatch(
      /^SHADOW_COMMAND_HISTORY_PER_DEVICE:/,
    );
  });

  it('names every bad key in one error', () => {
    const problems = problemsOf({
      NIDUS_BUS: 'rabbitmq',
      NIDUS_STORE: 'mongo',
      NIDUS_SESSIONS: 'redis',
      LOG_LEVEL: 'loud',
      METRICS_PORT: '70000',
      API_HTTP_PORT: 'eighty',
      NIDUS_SERVICES: 'api,teleporter',
      NIDUS_STROE: 'mongo',
    });
    const keys = problems.map((p) => p.split(':')[0]);
    expect(keys).toEqual(
      expect.arrayContaining([
        'NIDUS_BUS',
        'LOG_LEVEL',
        'METRICS_PORT',
        'API_HTTP_PORT',
        'NIDUS_SERVICES',
        'NIDUS_STROE',
      ]),
    );
    expect(problems.join('\n')).toContain('rabbitmq');
  });

  it('requires the connection settings of the chosen adapters', () => {
    expect(problemsOf({ NIDUS_BUS: 'kafka', NIDUS_STORE: 'mongo', NIDUS_SESSIONS: 'redis' })).toEqual([
      'KAFKA_BROKERS: required when NIDUS_BUS=kafka',
      'MONGODB_URI: required when NIDUS_STORE=mongo',
      'REDIS_URL: required when NIDUS_SESSIONS=redis',
      'NIDUS_SECRET_KEY: required when NIDUS_STORE=mongo (generate one: openssl rand -hex 32)',
    ]);
    expect(problemsOf({ NIDUS_BUS: 'kafka', KAFKA_BROKERS: 'no-port' })).toEqual([
      'KAFKA_BROKERS: "no-port" is not host:port',
    ]);
  });

  it('leaves the settings of tools and tests alone', () => {
    expect(() =>
      loadConfig({ NIDUS_INFRA_HOME: '/x', NIDUS_TEST_SLOW: '1', PATH: '/bin' }, options),
    ).not.toThrow();
  });
});
