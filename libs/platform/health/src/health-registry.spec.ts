import { HealthRegistry } from './health-registry';

describe('HealthRegistry', () => {
  it('is ready when every check passes, including those of included registries', async () => {
    const service = new HealthRegistry();
    service.add('bus', async () => ({ ok: true, detail: 'journaled' }));
    const process = new HealthRegistry();
    process.add('metrics', async () => ({ ok: true }));
    process.include('api', service);
    expect(await process.ready()).toEqual({
      status: 'up',
      checks: { metrics: { ok: true }, 'api.bus': { ok: true, detail: 'journaled' } },
    });
  });

  it('is not ready when a check fails, throws or hangs', async () => {
    const r = new HealthRegistry(20);
    r.add('failing', async () => ({ ok: false, detail: 'broker unreachable' }));
    r.add('throwing', async () => {
      throw new Error('boom');
    });
    r.add('hanging', () => new Promise(() => undefined));
    const report = await r.ready();
    expect(report.status).toBe('down');
    expect(report.checks).toEqual({
      failing: { ok: false, detail: 'broker unreachable' },
      throwing: { ok: false, detail: 'boom' },
      hanging: { ok: false, detail: 'no answer within 20 ms' },
    });
  });

  it('stops being ready once draining, for itself and what it includes', async () => {
    const child = new HealthRegistry();
    const parent = new HealthRegistry();
    parent.include('svc', child);
    parent.markDraining();
    expect((await parent.ready()).status).toBe('down');
    expect((await child.ready()).checks['shutdown']).toEqual({ ok: false, detail: 'draining' });
  });
});
