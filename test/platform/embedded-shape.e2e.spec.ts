import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NidusProcess, curl, freePort, tempDataDir } from '../support/nidus-process';

// The embedded shape as `npm start` runs it: one process, no external services, data under NIDUS_DATA_DIR.
describe('embedded shape', () => {
  const running: NidusProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  async function start(env: Record<string, string> = {}) {
    const ports = { API_HTTP_PORT: String(await freePort()), METRICS_PORT: String(await freePort()) };
    const p = NidusProcess.start('platform', { NIDUS_DATA_DIR: tempDataDir(), ...ports, ...env });
    running.push(p);
    await p.up();
    return {
      p,
      api: `http://127.0.0.1:${ports.API_HTTP_PORT}`,
      ops: `http://127.0.0.1:${ports.METRICS_PORT}`,
    };
  }

  it('starts every service, prints its endpoints and answers health for the whole process on the API port', async () => {
    const { p, api, ops } = await start();
    expect(p.stderr).toContain(`api HTTP        ${api}`);
    expect(p.stderr).toContain(`${ops}/metrics`);

    expect(await curl(`${api}/health/live`)).toEqual({ status: 200, body: '{"status":"up"}' });
    const ready = await curl(`${api}/health/ready`);
    expect(ready.status).toBe(200);
    const sqlite = (service: string) => ({
      ok: true,
      detail: expect.stringMatching(`/documents/${service}.sqlite$`),
    });
    expect(JSON.parse(ready.body)).toEqual({
      status: 'up',
      checks: {
        bus: { ok: true, detail: 'journaled' },
        'device-registry.bus': { ok: true, detail: 'journaled' },
        'device-registry.documents': sqlite('device-registry'),
        'mqtt-gateway.bus': { ok: true, detail: 'journaled' },
        'mqtt-gateway.sessions': { ok: true, detail: 'in-process' },
        'shadow.bus': { ok: true, detail: 'journaled' },
        'shadow.documents': sqlite('shadow'),
        'shadow.sessions': { ok: true, detail: 'in-process' },
        'amqp-push.bus': { ok: true, detail: 'journaled' },
        'amqp-push.documents': sqlite('amqp-push'),
        'amqp-push.sessions': { ok: true, detail: 'in-process' },
        'rule-engine.bus': { ok: true, detail: 'journaled' },
        'rule-engine.documents': sqlite('rule-engine'),
        'api.bus': { ok: true, detail: 'journaled' },
        'api.documents': sqlite('api'),
      },
    });
    expect((await curl(`${ops}/health/ready`)).status).toBe(200);
  });

  it('exposes Prometheus metrics of the process and of HTTP requests per service', async () => {
    const { api, ops } = await start();
    await curl(`${api}/health/live`);
    const metrics = await curl(`${ops}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# TYPE nidus_process_cpu_user_seconds_total counter');
    expect(metrics.body).toMatch(
      /nidus_http_requests_total\{service="api",method="GET",route="\/health\/live",status="200"[^}]*\} 1/,
    );
  });

  it('logs JSON lines only on stdout', async () => {
    const { p } = await start();
    await p.logged('api listening');
    const lines = p.logLines();
    expect(lines.length).toBeGreaterThan(3);
    expect(
      lines.every(
        (l) =>
          typeof l['level'] === 'string' && typeof l['time'] === 'string' && typeof l['msg'] === 'string',
      ),
    ).toBe(true);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const { p } = await start();
    expect(await p.stop()).toBe(0);
    expect(p.logLines().map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['nidus shutting down', 'nidus stopped']),
    );
  });

  it('runs the subset NIDUS_SERVICES names, one Nest application per service', async () => {
    const registryPort = await freePort();
    const { p, api } = await start({
      NIDUS_SERVICES: 'device-registry,api',
      DEVICE_REGISTRY_HTTP_PORT: String(registryPort),
    });
    expect((await curl(`http://127.0.0.1:${registryPort}/health/ready`)).status).toBe(200);
    expect(JSON.parse((await curl(`http://127.0.0.1:${registryPort}/health/ready`)).body).checks).toEqual({
      bus: { ok: true, detail: 'journaled' },
      documents: { ok: true, detail: expect.stringMatching(/device-registry\.sqlite$/) },
    });
    expect((await curl(`${api}/health/live`)).status).toBe(200);
    const started = p.logLines().filter((l) => l['msg'] === 'Nest application successfully started');
    expect(started.map((l) => l['service']).sort()).toEqual(['api', 'device-registry']);

    const only = await start({ NIDUS_SERVICES: 'device-registry' });
    expect(only.p.stderr).toContain('Nidus is up (device-registry)');
    expect((await curl(`${only.api}/health/live`)).status).toBe(0); // no API service, no API port
    expect(JSON.parse((await curl(`${only.ops}/health/ready`)).body).checks).toHaveProperty([
      'device-registry.bus',
    ]);
  });

  it('keeps its data under NIDUS_DATA_DIR and refuses a second process on the same directory', async () => {
    const dataDir = tempDataDir();
    const first = await start({ NIDUS_DATA_DIR: dataDir });
    expect(readdirSync(join(dataDir, 'bus'))).toEqual(expect.arrayContaining(['LOCK', '000000000000.log']));

    const second = NidusProcess.start('platform', {
      NIDUS_DATA_DIR: dataDir,
      API_HTTP_PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
    });
    expect(await second.exited).toBe(1);
    expect(second.stderr).toContain(`is in use by process ${first.p.child.pid}`);

    expect(await first.p.stop()).toBe(0);
    const again = await start({ NIDUS_DATA_DIR: dataDir }); // the lock was released
    expect((await curl(`${again.api}/health/ready`)).status).toBe(200);
  });

  it('stops with exit 1 and says which address is taken when its API port is in use', async () => {
    const squatter = createServer();
    const port = await freePort();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    try {
      const p = NidusProcess.start('platform', {
        NIDUS_DATA_DIR: tempDataDir(),
        API_HTTP_PORT: String(port),
        METRICS_PORT: String(await freePort()),
      });
      expect(await p.exited).toBe(1);
      expect(p.stderr).toContain(
        `nidus: stopping after an error: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
      expect(p.logLines().map((l) => l['msg'])).toContain('nidus stopped'); // drained what had started
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  it('refuses bad configuration at boot, naming every bad key', async () => {
    const p = NidusProcess.start('platform', {
      NIDUS_BUS: 'rabbitmq',
      LOG_LEVEL: 'loud',
      API_HTTP_PORT: 'eighty',
      NIDUS_SERVICES: 'api,teleporter',
      NIDUS_STROE: 'mongo',
    });
    expect(await p.exited).toBe(78);
    for (const key of ['NIDUS_BUS', 'LOG_LEVEL', 'API_HTTP_PORT', 'NIDUS_SERVICES', 'NIDUS_STROE']) {
      expect(p.stderr).toMatch(new RegExp(`^  - ${key}: `, 'm'));
    }
    expect(p.stdout).toBe('');
  });
});
