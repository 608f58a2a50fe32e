import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  NidusProcess,
  curlRequest,
  distributedEnv,
  freePort,
  run,
  tempDataDir,
} from '../support/nidus-process';

// The v5 application API (issue 3) in both shapes, driven by Huawei's official Python SDK and by curl.

const python =
  process.env['NIDUS_TEST_IOTDA_PYTHON'] ??
  resolve(process.env['HOME'] ?? '/root', '.cache/nidus-infra/iotda-sdk-venv/bin/python');
const walkthrough = resolve(__dirname, '..', 'clients', 'iotda_sdk_walkthrough.py');

interface Running {
  base: string;
  project: string;
  accessKey: string;
  secretKey: string;
  token: string;
  processes: NidusProcess[];
  dataDir: string;
}

/** The fields of v5 answers these tests read (spec 05 §3.1–§3.3). */
interface Answer {
  product_id: string;
  device_id: string;
  app_id: string;
  status: string;
  secret: string;
  error_code: string;
  error_msg: string;
  project_id: string;
  token: string;
  auth_info: { secret: string };
  page: { count: number; marker: string | null };
  devices: { node_id: string; device_id: string }[];
  applications: { default_app: boolean }[];
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, { operationId: string }>>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Embedded: one process; the admin credentials are the ones it creates on first start. */
async function embedded(): Promise<Running> {
  const dataDir = tempDataDir();
  const port = await freePort();
  const p = NidusProcess.start('platform', {
    NIDUS_DATA_DIR: dataDir,
    API_HTTP_PORT: String(port),
    METRICS_PORT: '0',
  });
  await p.up();
  const file = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as Record<string, string>;
  return {
    base: `http://127.0.0.1:${port}`,
    project: file['project_id']!,
    accessKey: file['access_key']!,
    secretKey: file['secret_key']!,
    token: file['token']!,
    processes: [p],
    dataDir,
  };
}

/** Distributed: api and device-registry as separate processes over Kafka, FerretDB and Redis. */
async function distributed(): Promise<Running> {
  const [apiPort, registryPort] = [await freePort(), await freePort()];
  const admin = {
    NIDUS_DEFAULT_PROJECT_ID: hex(16),
    NIDUS_ADMIN_AK: `AK${hex(9).toUpperCase()}`,
    NIDUS_ADMIN_SK: hex(20),
    NIDUS_ADMIN_TOKEN: hex(24),
  };
  const shared = { ...distributedEnv(), METRICS_PORT: '0' };
  const registry = NidusProcess.start('device-registry', {
    ...shared,
    NIDUS_DATA_DIR: tempDataDir(),
    DEVICE_REGISTRY_HTTP_PORT: String(registryPort),
    KAFKA_CLIENT_ID: 'e2e-registry',
  });
  const dataDir = tempDataDir();
  const api = NidusProcess.start('api', {
    ...shared,
    ...admin,
    NIDUS_DATA_DIR: dataDir,
    API_HTTP_PORT: String(apiPort),
    DEVICE_REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    KAFKA_CLIENT_ID: 'e2e-api',
  });
  await Promise.all([registry.up(), api.up()]);
  return {
    base: `http://127.0.0.1:${apiPort}`,
    project: admin.NIDUS_DEFAULT_PROJECT_ID,
    accessKey: admin.NIDUS_ADMIN_AK,
    secretKey: admin.NIDUS_ADMIN_SK,
    token: admin.NIDUS_ADMIN_TOKEN,
    processes: [api, registry],
    dataDir,
  };
}

const model = [
  {
    service_id: 'WaterMeter',
    service_type: 'WaterMeter',
    properties: [{ property_name: 'flow', data_type: 'int', min: '0', max: '100', method: 'RE' }],
  },
];

describe.each([
  ['embedded', embedded],
  ['distributed', distributed],
] as const)('v5 application API, %s shape', (shape, start) => {
  let nidus: Running;
  let v5: string;
  const secretsSeen: string[] = [];

  beforeAll(async () => {
    nidus = await start();
    v5 = `${nidus.base}/v5/iot/${nidus.project}`;
  });
  afterAll(async () => {
    const codes = await Promise.all(nidus.processes.map((p) => p.stop()));
    expect(codes.every((c) => c === 0)).toBe(true);
  });

  const api = (method: string, path: string, body?: unknown, token = nidus.token) =>
    curlRequest<Answer>(method, `${v5}${path}`, { headers: { 'X-Auth-Token': token }, body });

  it.each(['basic', 'derived'])("serves Huawei's Python SDK unmodified (%s signing)", async (scheme) => {
    const out = await run(python, [
      walkthrough,
      nidus.base,
      nidus.project,
      nidus.accessKey,
      nidus.secretKey,
      scheme,
    ]);
    const seen = JSON.parse(out) as Record<string, string>;
    secretsSeen.push(seen['created_secret']!, seen['reset_secret']!);
    expect(seen).toMatchObject({
      model_min: '-40',
      product_shown: `SdkMeter-${scheme}`,
      device_id: `${seen['product_id']}_sdk-node-1`,
      created_secret: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 'INACTIVE',
      listed: [`${seen['product_id']}_sdk-node-1`],
      listed_count: 1,
      shown_node_id: 'sdk-node-1',
      shown_secret: null,
      reset_secret: 'NewSecret-123',
      delete_product_with_devices: {
        status: 409,
        error_code: 'IOTDA.909003',
        request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
      after_delete: { status: 404, error_code: 'IOTDA.014000' },
      schemes: [scheme === 'basic' ? 'SDK-HMAC-SHA256' : 'V11-HMAC-SHA256'],
    });
  });

  it('walks the curl steps of docs/api/v5.md', async () => {
    const product = await api('POST', '/products', {
      name: 'CurlMeter',
      device_type: 'WaterMeter',
      protocol_type: 'MQTT',
      data_format: 'json',
      service_capabilities: model,
    });
    expect(product.status).toBe(201);
    const productId = product.json.product_id;
    expect(productId).toMatch(/^[0-9a-f]{24}$/);

    const device = await api('POST', '/devices', {
      node_id: 'curl-0001',
      product_id: productId,
      device_name: 'hall',
    });
    expect(device.status).toBe(201);
    expect(device.json).toMatchObject({
      device_id: `${productId}_curl-0001`,
      node_type: 'GATEWAY',
      status: 'INACTIVE',
    });
    const deviceId = device.json.device_id;
    secretsSeen.push(device.json.auth_info.secret);

    const list = await api('GET', `/devices?product_id=${productId}&limit=10`);
    expect(list.status).toBe(200);
    expect(list.json.page.count).toBe(1);
    expect(list.json.devices[0]).not.toHaveProperty('auth_info');

    const updated = await api('PUT', `/devices/${deviceId}`, {
      device_name: 'hall-2',
      extension_info: { floor: 2 },
      auth_info: { secure_access: false },
    });
    expect(updated.json).toMatchObject({
      device_name: 'hall-2',
      extension_info: { floor: 2 },
      auth_info: { secure_access: false },
    });

    const reset = await api('POST', `/devices/${deviceId}/action?action_id=resetSecret`, {});
    expect(reset.status).toBe(200);
    secretsSeen.push(reset.json.secret);

    expect((await api('POST', `/devices/${deviceId}/freeze`)).status).toBe(204);
    expect((await api('GET', `/devices/${deviceId}`)).json.status).toBe('FROZEN');
    expect((await api('POST', `/devices/${deviceId}/unfreeze`)).status).toBe(204);
    expect((await api('DELETE', `/devices/${deviceId}`)).status).toBe(204);
    expect((await api('DELETE', `/products/${productId}`)).status).toBe(204);
  });

  it('answers every rejection with the IoTDA error body and an X-Request-Id', async () => {
    const product = await api('POST', '/products', {
      product_id: `errs${hex(4)}`,
      name: `Errs${hex(4)}`,
      device_type: 'x',
      protocol_type: 'MQTT',
      service_capabilities: model,
    });
    const pid = product.json.product_id;
    await api('POST', '/devices', { node_id: 'n1', product_id: pid });
    const cases: [string, () => ReturnType<typeof api>, number, string][] = [
      ['missing field', () => api('POST', '/devices', { product_id: pid }), 400, 'IOTDA.000006'],
      ['wrong type', () => api('POST', '/devices', { node_id: 12, product_id: pid }), 400, 'IOTDA.000006'],
      [
        'limit exceeded',
        () => api('POST', '/devices', { node_id: 'n'.repeat(65), product_id: pid }),
        400,
        'IOTDA.000006',
      ],
      ['malformed JSON', () => api('POST', '/devices', '{"node_id":'), 400, 'IOTDA.000008'],
      ['page size', () => api('GET', '/devices?limit=51'), 400, 'IOTDA.000017'],
      [
        'duplicate node',
        () => api('POST', '/devices', { node_id: 'n1', product_id: pid, device_id: `x${hex(4)}` }),
        409,
        'IOTDA.909005',
      ],
      [
        'duplicate device',
        () => api('POST', '/devices', { node_id: 'n1', product_id: pid }),
        409,
        'IOTDA.909004',
      ],
      ['unknown device', () => api('GET', '/devices/nobody'), 404, 'IOTDA.014000'],
      ['unknown product', () => api('GET', '/products/nothing'), 404, 'IOTDA.904001'],
      ['product with devices', () => api('DELETE', `/products/${pid}`), 409, 'IOTDA.909003'],
      ['known, not implemented', () => api('GET', '/device-group'), 501, 'IOTDA.900501'],
      ['unknown operation', () => api('GET', '/teleporters'), 404, 'IOTDA.904000'],
      ['no credentials', () => curlRequest<Answer>('GET', `${v5}/devices`), 401, 'APIGW.0301'],
      ['bad token', () => api('GET', '/devices', undefined, 'not-a-token-at-all'), 401, 'APIGW.0301'],
      [
        'bad signature',
        () =>
          curlRequest<Answer>('GET', `${v5}/devices`, {
            headers: {
              Authorization: `SDK-HMAC-SHA256 Access=${nidus.accessKey}, SignedHeaders=host;x-sdk-date, Signature=${'0'.repeat(64)}`,
              'X-Sdk-Date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
            },
          }),
        401,
        'APIGW.0301',
      ],
      [
        'stale X-Sdk-Date',
        () =>
          curlRequest<Answer>('GET', `${v5}/devices`, {
            headers: {
              Authorization: `SDK-HMAC-SHA256 Access=${nidus.accessKey}, SignedHeaders=host;x-sdk-date, Signature=${'0'.repeat(64)}`,
              'X-Sdk-Date': new Date(Date.now() - 20 * 60_000).toISOString().replace(/[-:]|\.\d{3}/g, ''),
            },
          }),
        401,
        'APIGW.0301',
      ],
      [
        'another project',
        () =>
          curlRequest<Answer>('GET', `${nidus.base}/v5/iot/${hex(16)}/devices`, {
            headers: { 'X-Auth-Token': nidus.token },
          }),
        403,
        'IOTDA.900403',
      ],
    ];
    for (const [what, call, status, code] of cases) {
      const res = await call();
      expect([what, res.status, res.json.error_code]).toEqual([what, status, code]);
      expect(Object.keys(res.json).sort()).toEqual(['error_code', 'error_msg']);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const stale = cases.find(([what]) => what === 'stale X-Sdk-Date')![1];
    expect((await stale()).json.error_msg).toMatch(/X-Sdk-Date is \d+ s away from server time/);
  });

  it('keeps projects and resource spaces apart', async () => {
    const created = await curlRequest<Answer>('POST', `${nidus.base}/nidus/v1/projects`, {
      headers: { 'X-Auth-Token': nidus.token },
      body: { name: 'tenant-b' },
    });
    expect(created.status).toBe(201);
    const b = created.json;
    const asB = (method: string, path: string, body?: unknown) =>
      curlRequest<Answer>(method, `${nidus.base}/v5/iot/${b.project_id}${path}`, {
        headers: { 'X-Auth-Token': b.token },
        body,
      });

    const pid = `iso${hex(4)}`;
    await api('POST', '/products', {
      product_id: pid,
      name: pid,
      device_type: 'x',
      protocol_type: 'MQTT',
      service_capabilities: [],
    });
    const a = await api('POST', '/devices', { node_id: 'shared-node', product_id: pid });
    expect(a.status).toBe(201);

    expect((await asB('GET', `/devices/${a.json.device_id}`)).status).toBe(404);
    expect((await asB('GET', '/devices')).json.page.count).toBe(0);
    expect(
      (await curlRequest<Answer>('GET', `${v5}/devices`, { headers: { 'X-Auth-Token': b.token } })).status,
    ).toBe(403);
    expect((await asB('POST', '/devices', { node_id: 'shared-node', product_id: pid })).status).toBe(404); // A's product
    await asB('POST', '/products', {
      product_id: pid,
      name: pid,
      device_type: 'x',
      protocol_type: 'MQTT',
      service_capabilities: [],
    });
    const clash = await asB('POST', '/devices', { node_id: 'shared-node', product_id: pid });
    expect(clash.json.error_code).toBe('IOTDA.909004'); // device ids are unique in the instance
    expect(
      (await asB('POST', '/devices', { node_id: 'shared-node', product_id: pid, device_id: `b-${hex(4)}` }))
        .status,
    ).toBe(201);

    const space = await api('POST', '/apps', { app_name: `space${hex(3)}` });
    expect(space.status).toBe(201);
    const inSpace = `sp${hex(4)}`;
    await api('POST', '/products', {
      product_id: inSpace,
      app_id: space.json.app_id,
      name: inSpace,
      device_type: 'x',
      protocol_type: 'MQTT',
      service_capabilities: [],
    });
    await api('POST', '/devices', { node_id: 'in-space', product_id: inSpace, app_id: space.json.app_id });
    const scoped = await api('GET', `/devices?app_id=${space.json.app_id}`);
    expect(scoped.json.devices.map((d) => d.node_id)).toEqual(['in-space']);
    expect((await api('GET', '/apps')).json.applications.filter((s) => s.default_app)).toHaveLength(1);
  });

  it('serves an OpenAPI document of the implemented operations', async () => {
    const doc = await curlRequest<Answer>('GET', `${nidus.base}/openapi.json`);
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe('3.1.0');
    const operations = Object.values(doc.json.paths)
      .flatMap((item) => Object.values(item).map((op) => op.operationId))
      .sort();
    // The distributed deployment here runs no shadow, rule engine or amqp-push: their operations are out, named
    // unavailable.
    const shadow = (
      'show_device_shadow update_device_shadow_desired_data delete_device_shadow create_command create_async_command ' +
      'show_async_device_command list_async_commands list_async_history_commands count_async_history_commands ' +
      'update_properties list_properties create_message list_device_messages show_device_message delete_device_message'
    ).split(' ');
    const rules = ['create', 'list', 'show', 'update', 'delete'].flatMap((verb) =>
      verb === 'list'
        ? ['list_routing_rules', 'list_rule_actions']
        : [`${verb}_routing_rule`, `${verb}_rule_action`],
    );
    rules.push('list_rule_action_dead_letters', 'delete_rule_action_dead_letters');
    rules.push(
      ...['create', 'list', 'show', 'delete'].map(
        (verb) => `${verb}_push_certificate${verb === 'list' ? 's' : ''}`,
      ),
    );
    const amqp = ['add_queue', 'batch_show_queue', 'show_queue', 'delete_queue', 'create_access_code'];
    expect(doc.json.info['x-nidus-unavailable']).toEqual(
      shape === 'embedded' ? undefined : ['amqp-push', 'rule-engine', 'shadow'],
    );
    expect(operations).toEqual(
      [
        ...(shape === 'embedded' ? [...shadow, ...rules, ...amqp] : []),
        'add_application',
        'show_applications',
        'show_application',
        'update_application',
        'delete_application',
        'create_product',
        'list_products',
        'show_product',
        'update_product',
        'delete_product',
        'add_device',
        'list_devices',
        'show_device',
        'update_device',
        'delete_device',
        'reset_device_secret',
        'freeze_device',
        'unfreeze_device',
        'list_device_logs',
      ].sort(),
    );
  });

  it('never logs a device secret or the admin credentials', () => {
    const logs = nidus.processes.map((p) => p.stdout).join('\n');
    expect(secretsSeen.length).toBeGreaterThan(3);
    for (const secret of [...secretsSeen, nidus.secretKey, nidus.token]) expect(logs).not.toContain(secret);
  });
});
