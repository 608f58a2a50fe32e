import { V5Project } from '../mqtt/device-clients';
import { NidusProcess, embeddedEnv } from '../support/nidus-process';

// Routing rules (issue 6; spec 05 §3.10.1–§3.10.5) in the embedded shape, driven with curl: a rule is created
// inactive in the default resource space, its SQL is checked by the rule SQL compiler, and it is listed, shown,
// activated and deleted.

interface Rule {
  rule_id: string;
  rule_name: string;
  subject: { resource: string; event: string };
  app_type: string;
  app_id: string | null;
  select: string;
  where: string;
  active: boolean;
}

interface ErrorBody {
  error_code: string;
  error_msg: string;
}

let platform: NidusProcess;
let v5: V5Project;

beforeAll(async () => {
  const { env, dataDir, api } = await embeddedEnv();
  platform = NidusProcess.start('platform', env);
  await platform.up();
  v5 = V5Project.fromDataDir(api, dataDir);
}, 120_000);

afterAll(async () => {
  expect(await platform?.stop()).toBe(0);
});

const hotMeters = {
  rule_name: 'hot meters',
  subject: { resource: 'device.property', event: 'report' },
  select: "notify_data.header.device_id AS device_id, GET_SERVICE_PROPERTIES('Meter') AS meter",
  where: "GET_SERVICE_PROPERTIES('Meter').temperature > 38",
};

describe('routing rules', () => {
  it('creates a rule inactive in the default resource space, then lists, shows, activates and deletes it', async () => {
    const created = await v5.request<Rule>('POST', '/routing-rule/rules', hotMeters);
    expect(created.status).toBe(201);
    const apps = await v5.request<{ applications: { app_id: string; default_app: boolean }[] }>(
      'GET',
      '/apps',
    );
    const defaultApp = apps.json.applications.find((a) => a.default_app)!.app_id;
    expect(created.json).toEqual({
      rule_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      rule_name: 'hot meters',
      description: '',
      subject: hotMeters.subject,
      app_type: 'APP',
      app_id: defaultApp,
      select: hotMeters.select,
      where: hotMeters.where,
      active: false,
    });
    const id = created.json.rule_id;
    const global = await v5.request<Rule>('POST', '/routing-rule/rules', {
      subject: { resource: 'device.status', event: 'update' },
      app_type: 'GLOBAL',
    });
    expect(global.json).toMatchObject({ app_type: 'GLOBAL', app_id: null, select: '', where: '' });

    const listed = await v5.request<{ rules: Rule[]; count: number }>(
      'GET',
      '/routing-rule/rules?resource=device.property&limit=10',
    );
    expect(listed.status).toBe(200);
    expect(listed.json.rules.map((r) => r.rule_id)).toEqual([id]);
    expect(listed.json.count).toBe(1);

    const activated = await v5.request<Rule>('PUT', `/routing-rule/rules/${id}`, { active: true });
    expect(activated.json).toMatchObject({ rule_id: id, active: true, where: hotMeters.where });
    const cleared = await v5.request<Rule>('PUT', `/routing-rule/rules/${id}`, { select: '', where: '' });
    expect(cleared.json).toMatchObject({ select: '', where: '', active: true });
    expect((await v5.request<Rule>('GET', `/routing-rule/rules/${id}`)).json).toEqual(cleared.json);
    const active = await v5.request<{ rules: Rule[] }>('GET', '/routing-rule/rules?active=true');
    expect(active.json.rules.map((r) => r.rule_id)).toEqual([id]);

    expect((await v5.request('DELETE', `/routing-rule/rules/${id}`)).status).toBe(204);
    const gone = await v5.request<ErrorBody>('GET', `/routing-rule/rules/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('IOTDA.904006');
  });

  it('refuses SQL that does not compile, naming the clause, the column and the problem', async () => {
    const bad = await v5.request<ErrorBody>('POST', '/routing-rule/rules', {
      ...hotMeters,
      where: 'notify_data.body.services IS',
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error_code: 'IOTDA.000006',
      error_msg:
        'Invalid input data. The rule SQL does not compile. WHERE clause, column 29: unexpected the end; ' +
        'expected "NOT", "NULL"',
    });
    const constant = await v5.request<ErrorBody>('POST', '/routing-rule/rules', {
      ...hotMeters,
      select: "'x'",
    });
    expect(constant.json.error_msg).toContain('SELECT clause, column 1: a constant needs AS');
  });

  it('refuses an event the resource does not have, an unknown resource space, a half SQL update, an unknown rule', async () => {
    const pair = await v5.request<ErrorBody>('POST', '/routing-rule/rules', {
      subject: { resource: 'device.status', event: 'report' },
    });
    expect(pair.status).toBe(400);
    expect(pair.json.error_msg).toContain('subject.event');
    const space = await v5.request<ErrorBody>('POST', '/routing-rule/rules', {
      ...hotMeters,
      app_id: 'nosuchapp',
    });
    expect(space.status).toBe(404);
    expect(space.json.error_code).toBe('IOTDA.904002');
    const rule = await v5.request<Rule>('POST', '/routing-rule/rules', hotMeters);
    const half = await v5.request<ErrorBody>('PUT', `/routing-rule/rules/${rule.json.rule_id}`, {
      select: '*',
    });
    expect(half.status).toBe(400);
    expect(half.json.error_msg).toContain('select and where are sent together');
    const unknown = await v5.request<ErrorBody>('PUT', '/routing-rule/rules/no-such-rule', { active: true });
    expect(unknown.status).toBe(404);
  });
});

interface Action {
  action_id: string;
  rule_id: string;
  app_id: string | null;
  channel: string;
  channel_detail: Record<string, unknown>;
}

describe('rule actions', () => {
  it('adds HTTP and AMQP targets to a rule, lists, shows, changes and deletes them, and goes with its rule', async () => {
    const rule = (await v5.request<Rule>('POST', '/routing-rule/rules', hotMeters)).json;
    const http = await v5.request<Action>('POST', '/routing-rule/actions', {
      rule_id: rule.rule_id,
      channel: 'HTTP_FORWARDING',
      channel_detail: { http_forwarding: { url: 'https://app.example.com:8443/iot/push' } },
    });
    expect(http.status).toBe(201);
    expect(http.json).toEqual({
      action_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      rule_id: rule.rule_id,
      app_id: rule.app_id,
      channel: 'HTTP_FORWARDING',
      channel_detail: {
        http_forwarding: {
          url: 'https://app.example.com:8443/iot/push',
          sni_enable: false,
          signature_enable: false,
        },
      },
    });
    const amqp = await v5.request<Action>('POST', '/routing-rule/actions', {
      rule_id: rule.rule_id,
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'DefaultQueue' } },
    });
    expect(amqp.status).toBe(201);

    const listed = await v5.request<{ actions: Action[]; count: number }>(
      'GET',
      `/routing-rule/actions?rule_id=${rule.rule_id}`,
    );
    expect(listed.json.actions.map((a) => a.channel)).toEqual(['AMQP_FORWARDING', 'HTTP_FORWARDING']);
    expect(listed.json.count).toBe(2);
    expect((await v5.request('POST', '/amqp-queues', { queue_name: 'other|queue' })).status).toBe(201);
    const moved = await v5.request<Action>('PUT', `/routing-rule/actions/${http.json.action_id}`, {
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'other|queue' } },
    });
    expect(moved.json.channel_detail).toEqual({ amqp_forwarding: { queue_name: 'other|queue' } });
    expect((await v5.request<Action>('GET', `/routing-rule/actions/${http.json.action_id}`)).json).toEqual(
      moved.json,
    );
    expect((await v5.request('DELETE', `/routing-rule/actions/${amqp.json.action_id}`)).status).toBe(204);
    expect((await v5.request('DELETE', `/routing-rule/rules/${rule.rule_id}`)).status).toBe(204);
    const gone = await v5.request<ErrorBody>('GET', `/routing-rule/actions/${http.json.action_id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('IOTDA.904007');
  });

  it('refuses an unknown rule, a channel Nidus does not forward to, a detail of another channel, a bad URL', async () => {
    const rule = (await v5.request<Rule>('POST', '/routing-rule/rules', hotMeters)).json;
    const add = (body: Record<string, unknown>) =>
      v5.request<ErrorBody>('POST', '/routing-rule/actions', { rule_id: rule.rule_id, ...body });
    const unknownRule = await v5.request<ErrorBody>('POST', '/routing-rule/actions', {
      rule_id: 'no-such-rule',
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'q' } },
    });
    expect(unknownRule.status).toBe(404);
    const kafka = await add({
      channel: 'DMS_KAFKA_FORWARDING',
      channel_detail: { dms_kafka_forwarding: {} },
    });
    expect(kafka.status).toBe(400);
    expect(kafka.json.error_msg).toContain('channel DMS_KAFKA_FORWARDING is not supported');
    const mixed = await add({
      channel: 'HTTP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'q' } },
    });
    expect(mixed.json.error_msg).toContain('channel_detail.http_forwarding is required for HTTP_FORWARDING');
    const ftp = await add({
      channel: 'HTTP_FORWARDING',
      channel_detail: { http_forwarding: { url: 'ftp://x/y' } },
    });
    expect(ftp.status).toBe(400);
    expect(ftp.json.error_msg).toContain('channel_detail.http_forwarding.url');
    const queue = await add({
      channel: 'AMQP_FORWARDING',
      channel_detail: { amqp_forwarding: { queue_name: 'a b' } },
    });
    expect(queue.json.error_msg).toContain('letters, digits and _ - | . :');
  });
});
