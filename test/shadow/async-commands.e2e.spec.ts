import { connect } from 'mqtt';
import { iotdaLogin } from '../mqtt/device-clients';
import { type Seen, answerRequests, useValvePlatform } from './answering-device';

// Asynchronous commands (issue 5; spec 03 §5.2, spec 05 §3.5.2–§3.5.6) in the embedded shape, driven with curl: sent at
// once or queued for an offline device and sent one at a time when it connects, with every status, across a restart.

const secret = 'e2eSecret0123456789';
const historyPerDevice = 3;
const nidus = useValvePlatform({ SHADOW_COMMAND_HISTORY_PER_DEVICE: String(historyPerDevice) });

interface Command {
  command_id: string;
  status: string;
  result?: Record<string, unknown>;
  sent_time?: string;
  delivered_time?: string;
  response_time?: string;
}

const setMode = (mode: string, strategy: 'immediately' | 'delay') => ({
  service_id: 'Valve',
  command_name: 'SET_MODE',
  paras: { mode },
  send_strategy: strategy,
});

function commandWhen(id: string, commandId: string, status: string): Promise<Command> {
  return nidus.v5.until<Command>(`/devices/${id}/async-commands/${commandId}`, (x) => x.status === status);
}

/** Connects a device that answers every command, listening before the CONNECT goes out. */
async function answeringDevice(id: string): Promise<Seen[]> {
  const client = connect(nidus.url, { ...iotdaLogin(id, secret), protocolVersion: 4, reconnectPeriod: 0 });
  nidus.clients.push(client);
  const seen = answerRequests(client, id);
  await new Promise((resolve) => client.once('connect', resolve));
  return seen;
}

describe('immediately', () => {
  it('sends a command to an online device: SENT, DELIVERED, then SUCCESSFUL with the device answer', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'acmd-online', secret);
    const seen = await answeringDevice(id);
    let created: { status: number; json: Command } | undefined;
    for (let i = 0; i < 50; i++) {
      created = await nidus.v5.request<Command>(
        'POST',
        `/devices/${id}/async-commands`,
        setMode('AUTO', 'immediately'),
      );
      if (created.json.status === 'SENT') break;
      await new Promise((r) => setTimeout(r, 100)); // until the platform has seen the device online
    }
    expect({ status: created!.status, command: created!.json.status }).toEqual({
      status: 200,
      command: 'SENT',
    });
    const done = await commandWhen(id, created!.json.command_id, 'SUCCESSFUL');
    expect(done.result).toEqual({
      result_code: 0,
      response_name: 'SET_MODE_RSP',
      paras: { applied: { mode: 'AUTO' } },
    });
    expect(done).toMatchObject({
      sent_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
      delivered_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
      response_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
    });
    expect(seen.filter((s) => s.topic.includes('/sys/commands/')).map((s) => s.body)).toContainEqual({
      service_id: 'Valve',
      command_name: 'SET_MODE',
      paras: { mode: 'AUTO' },
    });
  });

  it('fails a command for an offline device at once', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'acmd-offline-now', secret);
    const { status, json } = await nidus.v5.request<Command>(
      'POST',
      `/devices/${id}/async-commands`,
      setMode('AUTO', 'immediately'),
    );
    expect({ status, command: json.status }).toEqual({ status: 200, command: 'FAILED' });
  });
});

describe('delay', () => {
  it('queues commands for an offline device and sends them one at a time, in order, when it connects', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'acmd-queue', secret);
    const ids: string[] = [];
    for (const mode of ['AUTO', 'MANUAL', 'AUTO']) {
      const { status, json } = await nidus.v5.request<Command>(
        'POST',
        `/devices/${id}/async-commands`,
        setMode(mode, 'delay'),
      );
      expect({ status, command: json.status }).toEqual({ status: 200, command: 'PENDING' });
      ids.push(json.command_id);
    }
    const queue = await nidus.v5.request<{ commands: Command[]; page: { count: number } }>(
      'GET',
      `/devices/${id}/async-commands`,
    );
    expect(queue.json.page.count).toBe(3);
    const seen = await answeringDevice(id);
    for (const commandId of ids) await commandWhen(id, commandId, 'SUCCESSFUL');
    expect(seen.map((s) => (s.body['paras'] as { mode: string }).mode)).toEqual(['AUTO', 'MANUAL', 'AUTO']);
    const empty = await nidus.v5.request<{ page: { count: number } }>('GET', `/devices/${id}/async-commands`);
    expect(empty.json.page.count).toBe(0);
    const history = await nidus.v5.request<{ commands: Command[] }>(
      'GET',
      `/devices/${id}/async-commands-history`,
    );
    expect(history.json.commands.map((c) => c.command_id)).toEqual([...ids].reverse());
    const counted = await nidus.v5.request<{ count: number }>(
      'POST',
      `/devices/${id}/async-commands-history/count?status=SUCCESSFUL`,
    );
    expect(counted.json.count).toBe(3);
  });

  it('keeps a queued command across a restart and sends it once when the device connects', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'acmd-restart', secret);
    const { json } = await nidus.v5.request<Command>(
      'POST',
      `/devices/${id}/async-commands`,
      setMode('MANUAL', 'delay'),
    );
    await nidus.restart();
    const seen = await answeringDevice(id);
    await commandWhen(id, json.command_id, 'SUCCESSFUL');
    // Reconnecting does not send it again.
    nidus.clients.splice(0).forEach((c) => c.end(true));
    const again = await answeringDevice(id);
    await new Promise((r) => setTimeout(r, 1000));
    expect([seen.length, again.length]).toEqual([1, 0]);
  }, 60_000);
});

describe('history', () => {
  it("keeps a device's newest commands, removing its oldest finished ones but never a queued one", async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'acmd-history', secret);
    const send = async (strategy: 'immediately' | 'delay') =>
      (await nidus.v5.request<Command>('POST', `/devices/${id}/async-commands`, setMode('AUTO', strategy)))
        .json;
    const failed: Command[] = [];
    for (let i = 0; i < 5; i++) failed.push(await send('immediately')); // offline: FAILED at once
    expect(failed.map((c) => c.status)).toEqual(Array(5).fill('FAILED'));
    const history = () =>
      nidus.v5.request<{ commands: Command[] }>('GET', `/devices/${id}/async-commands-history?limit=50`);
    const newest = failed.slice(-historyPerDevice).reverse();
    expect((await history()).json.commands.map((c) => c.command_id)).toEqual(newest.map((c) => c.command_id));
    const gone = await nidus.v5.request('GET', `/devices/${id}/async-commands/${failed[0]!.command_id}`);
    expect(gone.status).toBe(404);
    const queued: Command[] = [];
    for (let i = 0; i < historyPerDevice + 1; i++) queued.push(await send('delay'));
    const kept = (await history()).json.commands;
    expect(kept.map((c) => c.status)).toEqual(Array(historyPerDevice + 1).fill('PENDING'));
    expect(kept.map((c) => c.command_id)).toEqual(queued.map((c) => c.command_id).reverse());
  });
});

describe('API errors', () => {
  it('refuses what the model does not allow, a 21st cached command, and unknown commands', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'acmd-errors', secret);
    const bad = await nidus.v5.request<{ error_code: string }>('POST', `/devices/${id}/async-commands`, {
      ...setMode('TURBO', 'delay'),
    });
    expect({ status: bad.status, code: bad.json.error_code }).toEqual({ status: 400, code: 'IOTDA.000006' });
    const noStrategy = await nidus.v5.request('POST', `/devices/${id}/async-commands`, { paras: {} });
    expect(noStrategy.status).toBe(400);
    for (let n = 0; n < 20; n++)
      expect(
        (await nidus.v5.request('POST', `/devices/${id}/async-commands`, setMode('AUTO', 'delay'))).status,
      ).toBe(200);
    const full = await nidus.v5.request<{ error_code: string }>(
      'POST',
      `/devices/${id}/async-commands`,
      setMode('AUTO', 'delay'),
    );
    expect({ status: full.status, code: full.json.error_code }).toEqual({
      status: 403,
      code: 'IOTDA.903002',
    });
    const missing = await nidus.v5.request<{ error_code: string }>(
      'GET',
      `/devices/${id}/async-commands/nope`,
    );
    expect({ status: missing.status, code: missing.json.error_code }).toEqual({
      status: 404,
      code: 'IOTDA.904005',
    });
    const badFilter = await nidus.v5.request('GET', `/devices/${id}/async-commands?status=SUCCESSFUL`);
    expect(badFilter.status).toBe(400);
  });
});
