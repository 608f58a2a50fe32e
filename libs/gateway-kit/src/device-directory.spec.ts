import type { DeviceAccess } from '@nidus/contracts';
import { type InternalClient, ServiceCallError } from '@nidus/platform-iotda-http';
import { DeviceDirectory } from './device-directory';

// The registry side is the real one in the e2e tier (test/mqtt); here the lookups it receives are recorded.

const access = (id: string): DeviceAccess => ({
  device_id: id,
  project_id: 'p',
  app_id: 'a',
  product_id: 'prod',
  node_id: id,
  gateway_id: id,
  direct: true,
  frozen: false,
  auth_type: 'SECRET',
  secure_access: false,
});

function registry(known: (id: string) => boolean = () => true) {
  const lookups: string[][] = [];
  let failing = false;
  const client = {
    post: async (_service: string, _path: string, body: { device_ids: string[] }) => {
      lookups.push(body.device_ids);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (failing) throw new ServiceCallError('device-registry: connect ECONNREFUSED');
      return { devices: body.device_ids.filter(known).map(access) };
    },
  } as unknown as InternalClient;
  return { client, lookups, fail: (on: boolean) => (failing = on) };
}

describe('DeviceDirectory', () => {
  it('looks up a lone device at once, not after the batch window', async () => {
    const r = registry();
    const directory = new DeviceDirectory(r.client, () => Date.now(), { batchWindowMs: 600_000 });
    expect((await directory.device('d0'))?.device_id).toBe('d0'); // jest would time out first
  });

  it('asks for the devices of one moment in one lookup, each id once, and caches the answers', async () => {
    const r = registry((id) => id !== 'ghost');
    const directory = new DeviceDirectory(r.client, () => Date.now(), { batchWindowMs: 30 });
    const ids = ['d1', 'd2', 'ghost', 'd3', 'd2'];
    const found = await Promise.all(ids.map((id) => directory.device(id)));
    expect(found.map((d) => d?.device_id)).toEqual(['d1', 'd2', undefined, 'd3', 'd2']);
    expect(r.lookups).toEqual([['d1', 'd2', 'ghost', 'd3']]);
    await directory.device('d1');
    expect(r.lookups).toHaveLength(1);
  });

  it('sends a full batch without waiting for the window', async () => {
    const r = registry();
    const directory = new DeviceDirectory(r.client, () => Date.now(), { batchWindowMs: 60_000 });
    await directory.device('first'); // the window starts
    const many = Array.from({ length: 500 }, (_, i) => directory.device(`m${i}`));
    await expect(Promise.all(many)).resolves.toHaveLength(500);
    expect(r.lookups.map((l) => l.length)).toEqual([1, 500]);
  });

  it('rejects the waiters of a failed lookup, and asks again afterwards', async () => {
    const r = registry();
    const directory = new DeviceDirectory(r.client, () => Date.now(), { batchWindowMs: 5 });
    r.fail(true);
    await expect(directory.device('d1')).rejects.toBeInstanceOf(ServiceCallError);
    r.fail(false);
    expect((await directory.device('d1'))?.device_id).toBe('d1');
  });
});
