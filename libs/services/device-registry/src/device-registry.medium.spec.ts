import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  type DeviceLifecyclePush,
  type EventEnvelope,
  type ProductLifecyclePush,
  deviceLifecycleChangedV1,
  productLifecycleChangedV1,
} from '@nidus/contracts';
import type { Infrastructure } from '@nidus/platform-runtime';
import { systemClock } from '@nidus/ports';
import { type Answer, type RegistryUnderTest, startRegistry } from './registry.medium-support';

// The registry as its own Nest application over the embedded adapters (SQLite file, journaled in-process bus),
// called the way the api calls it: v5 paths, the internal token (ADR 0006).
describe('device-registry over the embedded adapters', () => {
  const project = 'p1';
  let registry: RegistryUnderTest;
  let infra: Infrastructure;
  let app: INestApplication;
  let base: string;
  let dataDir: string;
  let internalToken: string;
  const deviceEvents: EventEnvelope<DeviceLifecyclePush>[] = [];
  const productEvents: EventEnvelope<ProductLifecyclePush>[] = [];

  let clockOffsetMs = 0;
  const clock = { now: () => systemClock.now() + clockOffsetMs };

  beforeAll(async () => {
    registry = await startRegistry(project, clock, async (opened) => {
      await opened.bus.subscribe({
        topic: deviceLifecycleChangedV1,
        group: 'test-devices',
        handler: async (e) => void deviceEvents.push(e),
      });
      await opened.bus.subscribe({
        topic: productLifecycleChangedV1,
        group: 'test-products',
        handler: async (e) => void productEvents.push(e),
      });
    });
    ({ infra, app, base, dataDir, internalToken } = registry);
  });

  afterAll(() => registry.close());

  const call = (method: string, path: string, body?: unknown) => registry.call(method, path, body);
  const pageOf = (a: Answer) => a['page'] as { count: number; marker: string | null };
  const listed = (a: Answer, list: string, field: string) =>
    (a[list] as Record<string, unknown>[]).map((item) => item[field]);

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setImmediate(r));
    return check();
  };

  const model = [
    {
      service_id: 'Meter',
      service_type: 'Meter',
      properties: [
        { property_name: 'temperature', data_type: 'decimal', method: 'RE', min: '-40', max: '125' },
      ],
    },
  ];

  it('registers a product and a device, returning the secret once and storing it sealed', async () => {
    const product = await call('POST', '/products', {
      product_id: 'meterp',
      name: 'Meter',
      device_type: 'Meter',
      protocol_type: 'MQTT',
      service_capabilities: model,
    });
    expect(product.status).toBe(201);
    expect(product.body).toMatchObject({ product_id: 'meterp', data_format: 'json', app_name: 'DefaultApp' });

    const device = await call('POST', '/devices', {
      node_id: 'n1',
      product_id: 'meterp',
      auth_info: { secret: 'plainSecret123' },
    });
    expect(device.status).toBe(201);
    expect(device.body).toMatchObject({
      device_id: 'meterp_n1',
      gateway_id: 'meterp_n1',
      node_type: 'GATEWAY',
      status: 'INACTIVE',
      product_name: 'Meter',
      auth_info: { auth_type: 'SECRET', secret: 'plainSecret123', secure_access: true, timeout: 0 },
    });
    expect(device.body['create_time']).toMatch(/^\d{8}T\d{6}Z$/);

    const shown = await call('GET', '/devices/meterp_n1');
    expect(shown.body['auth_info']).toEqual({ auth_type: 'SECRET', secure_access: true, timeout: 0 });
    const sqlite = readFileSync(join(dataDir, 'documents', 'device-registry.sqlite'));
    expect(sqlite.includes('plainSecret123')).toBe(false);
  });

  it('publishes lifecycle events whose data is the IoTDA push body, without secrets', async () => {
    expect(await until(() => deviceEvents.some((e) => e.data.event === 'create'))).toBe(true);
    const created = deviceEvents.find((e) => e.data.event === 'create')!;
    expect(created).toMatchObject({
      subject: 'meterp_n1',
      tenant: project,
      type: deviceLifecycleChangedV1.type,
    });
    expect(deviceLifecycleChangedV1.schema.safeParse(created.data).success).toBe(true);
    expect(JSON.stringify(created)).not.toContain('plainSecret123');
    expect(productEvents.map((e) => [e.subject, e.data.event])).toEqual([['meterp', 'create']]);

    await call('POST', '/devices/meterp_n1/freeze');
    await call('DELETE', '/devices/meterp_n1');
    expect(await until(() => deviceEvents.length === 3)).toBe(true);
    expect(deviceEvents.map((e) => e.data.event)).toEqual(['create', 'update', 'delete']);
    const frozen = deviceEvents[1]!.data;
    expect(frozen.event === 'update' && frozen.notify_data.body.status).toBe('FROZEN');
    expect(deviceEvents[2]!.data.notify_data).toEqual({
      header: {
        app_id: expect.any(String),
        device_id: 'meterp_n1',
        node_id: 'n1',
        product_id: 'meterp',
        gateway_id: 'meterp_n1',
      },
      body: {},
    });
  });

  it('pages newest first with marker and offset, counting every match', async () => {
    for (let i = 0; i < 12; i++)
      expect((await call('POST', '/devices', { node_id: `p${i}`, product_id: 'meterp' })).status).toBe(201);
    const first = await call('GET', '/devices?limit=5');
    expect(pageOf(first.body).count).toBe(12);
    expect(listed(first.body, 'devices', 'node_id')).toEqual(['p11', 'p10', 'p9', 'p8', 'p7']);
    const next = await call('GET', `/devices?limit=5&marker=${pageOf(first.body).marker}`);
    expect(listed(next.body, 'devices', 'node_id')).toEqual(['p6', 'p5', 'p4', 'p3', 'p2']);
    const skipped = await call('GET', '/devices?limit=5&offset=10');
    expect(listed(skipped.body, 'devices', 'node_id')).toEqual(['p1', 'p0']);
    const none = await call('GET', '/devices?end_time=20000101T000000Z');
    expect(none.body['page']).toEqual({ count: 0, marker: null });
    expect(pageOf((await call('GET', '/devices?start_time=20000101T000000Z')).body).count).toBe(12);
    expect(
      (await call('GET', '/devices?start_time=20300101T000000Z&end_time=20000101T000000Z')).body,
    ).toMatchObject({
      error_code: 'IOTDA.000010',
    });
  });

  it('keeps projects apart', async () => {
    const other = await fetch(`${base.replace(`/${project}`, '/p2')}/devices/meterp_p0`, {
      headers: { 'x-nidus-internal-token': internalToken },
    });
    expect(other.status).toBe(404);
  });

  it('rejects what the spec rejects, with the IoTDA code', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/devices', { product_id: 'meterp' }, 400, 'IOTDA.000006'],
      ['POST', '/devices', { node_id: 7, product_id: 'meterp' }, 400, 'IOTDA.000006'],
      ['POST', '/devices', { node_id: 'x'.repeat(65), product_id: 'meterp' }, 400, 'IOTDA.000006'],
      [
        'POST',
        '/devices',
        { node_id: 'p0', product_id: 'meterp', device_id: 'other-id' },
        409,
        'IOTDA.909005',
      ],
      ['POST', '/devices', { node_id: 'p0', product_id: 'meterp' }, 409, 'IOTDA.909004'],
      ['POST', '/devices', { node_id: 'z', product_id: 'nope' }, 404, 'IOTDA.904001'],
      ['POST', '/devices', { node_id: 'z', product_id: 'meterp', gateway_id: 'nope' }, 404, 'IOTDA.904003'],
      [
        'POST',
        '/devices',
        { node_id: 'z', product_id: 'meterp', auth_info: { secret: 'short' } },
        400,
        'IOTDA.000006',
      ],
      ['GET', '/devices/nope', undefined, 404, 'IOTDA.014000'],
      ['GET', '/devices?limit=0', undefined, 400, 'IOTDA.000017'],
      ['GET', '/devices?offset=501', undefined, 400, 'IOTDA.000006'],
      ['GET', '/devices?marker=xyz', undefined, 400, 'IOTDA.000006'],
      ['GET', '/devices?start_time=2024-01-01', undefined, 400, 'IOTDA.000006'],
      ['DELETE', '/products/meterp', undefined, 409, 'IOTDA.909003'],
      ['POST', '/devices/meterp_p0/unfreeze', undefined, 409, 'IOTDA.909008'],
      ['POST', '/devices/meterp_p0/action?action_id=other', {}, 400, 'IOTDA.000006'],
      [
        'POST',
        '/products',
        { name: 'Meter', device_type: 'x', protocol_type: 'MQTT', service_capabilities: [] },
        409,
        'IOTDA.909001',
      ],
      [
        'POST',
        '/products',
        { name: 'C', device_type: 'x', protocol_type: 'CoAP', data_format: 'json', service_capabilities: [] },
        400,
        'IOTDA.000006',
      ],
      ['DELETE', `/apps/${'x'}`, undefined, 404, 'IOTDA.904002'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await call(method, path, body);
      expect([method, path, res.status, res.body['error_code']]).toEqual([method, path, status, code]);
    }
  });

  it('resets a secret once and nests sub-devices two levels deep at most', async () => {
    const reset = await call('POST', '/devices/meterp_p0/action?action_id=resetSecret', {});
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({
      device_id: 'meterp_p0',
      secret: expect.stringMatching(/^[0-9a-f]{32}$/),
      secret_type: 'PRIMARY',
    });
    expect(
      (await call('POST', '/devices', { node_id: 'c1', product_id: 'meterp', gateway_id: 'meterp_p0' }))
        .status,
    ).toBe(201);
    expect(
      (await call('POST', '/devices', { node_id: 'c2', product_id: 'meterp', gateway_id: 'meterp_c1' }))
        .status,
    ).toBe(201);
    const tooDeep = await call('POST', '/devices', {
      node_id: 'c3',
      product_id: 'meterp',
      gateway_id: 'meterp_c2',
    });
    expect(tooDeep.body['error_code']).toBe('IOTDA.000006');
    const children = await call('GET', '/devices?gateway_id=meterp_p0');
    expect(listed(children.body, 'devices', 'device_id')).toEqual(['meterp_c1']);
    const all = await call('GET', '/devices?gateway_id=meterp_p0&is_cascade_query=true');
    expect(listed(all.body, 'devices', 'device_id')).toEqual(['meterp_c2', 'meterp_c1']);
    expect((await call('POST', '/devices/meterp_c1/freeze')).body['error_code']).toBe('IOTDA.000006');
    expect((await call('DELETE', '/devices/meterp_p0')).body['error_code']).toBe('IOTDA.909006');
  });

  it('keeps one default resource space and at most ten', async () => {
    const list = await call('GET', '/apps');
    expect(list.body['applications']).toEqual([
      {
        app_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        app_name: 'DefaultApp',
        create_time: expect.any(String),
        default_app: true,
      },
    ]);
    const defaultId = listed(list.body, 'applications', 'app_id')[0] as string;
    expect((await call('DELETE', `/apps/${defaultId}`)).body['error_code']).toBe('IOTDA.000006');
    const created = await call('POST', '/apps', { app_name: 'plant-a' });
    expect(created.status).toBe(201);
    expect((await call('POST', '/apps', { app_name: 'plant-a' })).body['error_code']).toBe('IOTDA.909009');
    for (let i = 0; i < 8; i++) expect((await call('POST', '/apps', { app_name: `s${i}` })).status).toBe(201);
    expect((await call('POST', '/apps', { app_name: 'eleventh' })).body['error_code']).toBe('IOTDA.903001');
    const spaceId = created.body['app_id'] as string;
    await call('POST', '/products', {
      product_id: 'meterp',
      app_id: spaceId,
      name: 'Meter',
      device_type: 'x',
      protocol_type: 'MQTT',
      service_capabilities: [],
    });
    expect(pageOf((await call('GET', `/products?app_id=${spaceId}`)).body).count).toBe(1);
    expect((await call('GET', '/products/meterp')).body['app_id']).toBe(defaultId);
    expect((await call('GET', `/products/meterp?app_id=${spaceId}`)).body['app_id']).toBe(spaceId);
    expect((await call('DELETE', `/apps/${spaceId}`)).body['error_code']).toBe('IOTDA.909010');
    expect((await call('DELETE', `/products/meterp?app_id=${spaceId}`)).status).toBe(204);
    expect((await call('PUT', `/apps/${spaceId}`, { app_name: 'plant-b' })).body['app_name']).toBe('plant-b');
    expect((await call('DELETE', `/apps/${spaceId}`)).status).toBe(204);
  });

  it('takes over a device id whose claim outlived a failed registration', async () => {
    const documents = await infra.documents('device-registry');
    const index = await documents.collection<{ project_id: string; record_id: string }>({
      name: 'registry_device_index',
    });
    await index.insert('instance', 'meterp_orphan', { project_id: project, record_id: 'f'.repeat(24) });
    const body = { node_id: 'orphan', product_id: 'meterp' };
    expect((await call('POST', '/devices', body)).body['error_code']).toBe('IOTDA.909004'); // could be in flight
    clockOffsetMs = 120_000;
    try {
      expect((await call('POST', '/devices', body)).status).toBe(201);
    } finally {
      clockOffsetMs = 0;
    }
    expect((await call('GET', '/devices/meterp_orphan')).status).toBe(200);
  });

  it('answers a gateway lookup of many ids across projects in one call, leaving unknown ids out', async () => {
    const inP2 = async (method: string, path: string, body: unknown) =>
      fetch(`${base.replace(`/${project}`, '/p2')}${path}`, {
        method,
        headers: { 'x-nidus-internal-token': internalToken, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const productBody = {
      product_id: 'lookupp',
      name: 'Lookup',
      device_type: 'Meter',
      protocol_type: 'MQTT',
      service_capabilities: model,
    };
    const created = await call('POST', '/products', productBody);
    expect(created.body).toMatchObject({ product_id: 'lookupp' });
    expect((await inP2('POST', '/products', productBody)).status).toBe(201);
    for (let i = 0; i < 30; i++)
      expect((await call('POST', '/devices', { node_id: `l${i}`, product_id: 'lookupp' })).status).toBe(201);
    expect((await inP2('POST', '/devices', { node_id: 'other', product_id: 'lookupp' })).status).toBe(201);

    const ids = [
      ...Array.from({ length: 30 }, (_, i) => `lookupp_l${i}`),
      'lookupp_other',
      'nobody',
      'lookupp_l3',
    ];
    const res = await fetch(`${await app.getUrl()}/internal/device-access/lookup`, {
      method: 'POST',
      headers: { 'x-nidus-internal-token': internalToken, 'content-type': 'application/json' },
      body: JSON.stringify({ device_ids: ids }),
    });
    expect(res.status).toBe(200);
    const { devices } = (await res.json()) as { devices: { device_id: string; project_id: string }[] };
    expect(devices.map((d) => d.device_id).sort()).toEqual(
      [...new Set(ids)].filter((id) => id !== 'nobody').sort(),
    );
    expect(devices.find((d) => d.device_id === 'lookupp_other')?.project_id).toBe('p2');
    expect(devices.find((d) => d.device_id === 'lookupp_l7')?.project_id).toBe(project);
  });

  it('journals its events in the data directory', () => {
    expect(readdirSync(join(dataDir, 'bus')).length).toBeGreaterThan(0);
  });
});
