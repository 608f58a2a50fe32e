import { NidusProcess, curl, distributedEnv, freePort, tempDataDir } from '../support/nidus-process';

// The distributed shape: each service its own process over Apache Kafka, MongoDB (FerretDB here) and Redis,
// as tools/infra/infra.sh starts them.
describe('distributed shape', () => {
  const running: NidusProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  const distributed = distributedEnv();

  async function start(
    app: 'api' | 'device-registry' | 'platform',
    port: string,
    env: Record<string, string> = {},
  ) {
    const p = NidusProcess.start(app, {
      ...distributed,
      NIDUS_DATA_DIR: tempDataDir(),
      METRICS_PORT: String(await freePort()),
      ...env,
    });
    running.push(p);
    await p.up();
    return { p, base: `http://127.0.0.1:${port}` };
  }

  it('runs each service as its own process, ready when its Kafka connection is', async () => {
    const apiPort = String(await freePort());
    const registryPort = String(await freePort());
    const api = await start('api', apiPort, { API_HTTP_PORT: apiPort, KAFKA_CLIENT_ID: 'e2e-api' });
    const registry = await start('device-registry', registryPort, {
      DEVICE_REGISTRY_HTTP_PORT: registryPort,
      KAFKA_CLIENT_ID: 'e2e-registry',
    });

    for (const { base } of [api, registry]) {
      const ready = await curl(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({
        status: 'up',
        checks: { bus: { ok: true, detail: '1 broker(s)' } },
      });
    }
    expect(api.p.logLines().find((l) => l['msg'] === 'nidus starting')).toMatchObject({
      services: ['api'],
      bus: 'kafka',
      store: 'mongo',
      sessions: 'redis',
    });
    expect(await api.p.stop()).toBe(0);
    expect(await registry.p.stop()).toBe(0);
  });

  it('runs the whole platform in one process over the real servers', async () => {
    const apiPort = String(await freePort());
    const { base, p } = await start('platform', apiPort, { API_HTTP_PORT: apiPort });
    const ready = JSON.parse((await curl(`${base}/health/ready`)).body) as {
      status: string;
      checks: Record<string, unknown>;
    };
    expect(ready.status).toBe('up');
    expect(Object.keys(ready.checks).sort()).toEqual([
      'amqp-push.bus',
      'amqp-push.documents',
      'amqp-push.sessions',
      'api.bus',
      'api.documents',
      'bus',
      'device-registry.bus',
      'device-registry.documents',
      'mqtt-gateway.bus',
      'mqtt-gateway.sessions',
      'rule-engine.bus',
      'rule-engine.documents',
      'shadow.bus',
      'shadow.documents',
      'shadow.sessions',
    ]);
    expect(await p.stop()).toBe(0);
  });
});
