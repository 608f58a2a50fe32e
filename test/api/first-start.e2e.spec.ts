import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NidusProcess, curlRequest, freePort, tempDataDir } from '../support/nidus-process';

// What the embedded shape does on its first start and on the next (issue 3): the default project and admin
// credentials, created once, printed once, kept owner-only; or taken from the environment.

interface Answer {
  product_id: string;
  auth_info: { secret: string };
}

describe('embedded shape, first start', () => {
  it('creates the default project and admin credentials once, prints them and keeps them owner-only', async () => {
    const dataDir = tempDataDir();
    const port = String(await freePort());
    const env = { NIDUS_DATA_DIR: dataDir, API_HTTP_PORT: port, METRICS_PORT: '0' };
    const first = NidusProcess.start('platform', env);
    await first.up();
    const file = join(dataDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(creds).sort()).toEqual(['access_key', 'project_id', 'secret_key', 'token']);
    for (const value of Object.values(creds)) expect(first.stderr).toContain(value);

    const v5 = `http://127.0.0.1:${port}/v5/iot/${creds['project_id']}`;
    const product = await curlRequest<Answer>('POST', `${v5}/products`, {
      headers: { 'X-Auth-Token': creds['token']! },
      body: {
        product_id: 'journal',
        name: 'journal',
        device_type: 'x',
        protocol_type: 'MQTT',
        service_capabilities: [],
      },
    });
    const device = await curlRequest<Answer>('POST', `${v5}/devices`, {
      headers: { 'X-Auth-Token': creds['token']! },
      body: { node_id: 'j1', product_id: product.json.product_id },
    });
    expect(await first.stop()).toBe(0);

    // The lifecycle events are in the bus journal, without the secret.
    const journal = readdirSync(join(dataDir, 'bus'), { recursive: true })
      .map(String)
      .filter((f) => statSync(join(dataDir, 'bus', f)).isFile())
      .map((f) => readFileSync(join(dataDir, 'bus', f), 'utf8'))
      .join('\n');
    expect(journal).toContain('iotda.device.lifecycle.changed.v1');
    expect(journal).toContain('iotda.product.lifecycle.changed.v1');
    expect(journal).toContain('journal_j1');
    expect(journal).not.toContain(device.json.auth_info.secret);

    const second = NidusProcess.start('platform', env);
    await second.up();
    expect(second.stderr).not.toContain(creds['secret_key']!);
    expect(second.stderr).toContain(
      `Default project ${creds['project_id']}; its admin credentials are in ${file}`,
    );
    const shown = await curlRequest<Answer>('GET', `${v5}/devices/journal_j1`, {
      headers: { 'X-Auth-Token': creds['token']! },
    });
    expect(shown.status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it('takes the default project and admin credentials from the environment', async () => {
    const port = String(await freePort());
    const p = NidusProcess.start('platform', {
      NIDUS_DATA_DIR: tempDataDir(),
      API_HTTP_PORT: port,
      METRICS_PORT: '0',
      NIDUS_DEFAULT_PROJECT_ID: 'my-project',
      NIDUS_ADMIN_AK: 'MYACCESSKEY01',
      NIDUS_ADMIN_SK: 'my-secret-key-0123456789',
      NIDUS_ADMIN_TOKEN: 'my-admin-token-0123456789',
    });
    await p.up();
    const res = await curlRequest<Answer>('GET', `http://127.0.0.1:${port}/v5/iot/my-project/apps`, {
      headers: { 'X-Auth-Token': 'my-admin-token-0123456789' },
    });
    expect(res.status).toBe(200);
    expect(p.stderr).not.toContain('my-secret-key-0123456789');
    expect(await p.stop()).toBe(0);
  });
});
