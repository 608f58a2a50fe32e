import { connect } from 'mqtt';
import { connectDevice, iotdaLogin, nextMessage } from '../mqtt/device-clients';
import { useValvePlatform } from './answering-device';

// Messages to devices (issue 5; spec 03 §5.4, spec 05 §3.7) in the embedded shape, driven with curl: sent at once to
// an online MQTT.js device, cached for an offline one and sent in order when it connects, with their statuses.

const secret = 'e2eSecret0123456789';
const nidus = useValvePlatform();

interface Message {
  message_id: string;
  status: string;
  topic: string;
  created_time: string;
  finished_time?: string;
  error_info?: { error_code: string };
}

/** Polls a message (bounded: 10 s) until its status is `status`. */
function messageWhen(id: string, messageId: string, status: string): Promise<Message> {
  return nidus.v5.until<Message>(`/devices/${id}/messages/${messageId}`, (x) => x.status === status);
}

/** Sends until the platform has seen the device online (its status event arrives asynchronously). */
async function sendWhenOnline(id: string, body: Record<string, unknown>) {
  for (let i = 0; ; i++) {
    const res = await nidus.v5.request<{ message_id: string; result: { status: string } }>(
      'POST',
      `/devices/${id}/messages`,
      body,
    );
    if (res.status !== 201) throw new Error(`create message ${res.status}: ${res.body}`);
    const delivered = await messageWhen(id, res.json.message_id, 'DELIVERED').catch(() => undefined);
    if (delivered || i >= 5) return res;
  }
}

describe('messages to an online device', () => {
  it('publishes the platform envelope on messages/down and shows the message DELIVERED', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'msg-online', secret);
    const client = await connectDevice(nidus.url, id, secret);
    nidus.clients.push(client);
    const received = nextMessage(client, (t) => t === `$oc/devices/${id}/sys/messages/down`);
    const res = await sendWhenOnline(id, { message_id: 'm-1', name: 'notice', message: { text: 'hello' } });
    expect(res.status).toBe(201);
    expect((await received).json).toEqual({ name: 'notice', id: 'm-1', content: { text: 'hello' } });
    const shown = await messageWhen(id, 'm-1', 'DELIVERED');
    expect(shown).toMatchObject({
      message_id: 'm-1',
      topic: `$oc/devices/${id}/sys/messages/down`,
      finished_time: expect.stringMatching(/^\d{8}T\d{6}Z$/),
    });
  });

  it('delivers a message that may not be cached (ttl 0) to an online device', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'msg-ttl0-online', secret);
    nidus.clients.push(await connectDevice(nidus.url, id, secret));
    await sendWhenOnline(id, { message: 'probe: the platform has seen the device online' });
    const res = await nidus.v5.request('POST', `/devices/${id}/messages`, {
      message_id: 'now',
      message: 'at once',
      ttl: 0,
    });
    expect(res.status).toBe(201);
    await messageWhen(id, 'now', 'DELIVERED');
  });

  it('sends a raw message on a custom topic as it is, base64 decoded', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'msg-raw', secret);
    const client = await connectDevice(nidus.url, id, secret);
    nidus.clients.push(client);
    await client.subscribeAsync(`$oc/devices/${id}/user/alerts`, { qos: 1 });
    const raw = new Promise<Buffer>((resolve) =>
      client.on(
        'message',
        (topic: string, payload: Buffer) => topic.endsWith('/user/alerts') && resolve(payload),
      ),
    );
    await sendWhenOnline(id, {
      message: Buffer.from([0x01, 0x02, 0xff]).toString('base64'),
      encoding: 'base64',
      payload_format: 'raw',
      topic: 'alerts',
    });
    expect([...(await raw)]).toEqual([0x01, 0x02, 0xff]);
  });
});

describe('messages to an offline device', () => {
  it('caches them PENDING and sends them in order when the device connects', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'msg-offline', secret);
    for (const n of [1, 2, 3]) {
      const res = await nidus.v5.request<{ result: { status: string } }>('POST', `/devices/${id}/messages`, {
        message_id: `q-${n}`,
        message: `number ${n}`,
      });
      expect({ status: res.status, result: res.json.result.status }).toEqual({
        status: 201,
        result: 'PENDING',
      });
    }
    const client = connect(nidus.url, { ...iotdaLogin(id, secret), protocolVersion: 4, reconnectPeriod: 0 });
    nidus.clients.push(client);
    const contents: unknown[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (_topic: string, payload: Buffer) => {
        contents.push((JSON.parse(payload.toString()) as { content: unknown }).content);
        if (contents.length === 3) resolve();
      }),
    );
    await all;
    expect(contents).toEqual(['number 1', 'number 2', 'number 3']);
    await messageWhen(id, 'q-3', 'DELIVERED');
    const list = await nidus.v5.request<{ messages: Message[] }>('GET', `/devices/${id}/messages`);
    expect(list.json.messages.map((m) => [m.message_id, m.status])).toEqual([
      ['q-3', 'DELIVERED'],
      ['q-2', 'DELIVERED'],
      ['q-1', 'DELIVERED'],
    ]);
  });

  it('fails at once a message that may not be cached (ttl 0), and keeps only the newest 20', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'msg-ttl0', secret);
    const res = await nidus.v5.request<{ result: { status: string } }>('POST', `/devices/${id}/messages`, {
      message: 'now or never',
      ttl: 0,
    });
    expect(res.json.result.status).toBe('FAILED');
    for (let n = 0; n < 21; n++)
      await nidus.v5.request('POST', `/devices/${id}/messages`, { message_id: `k-${n}`, message: n });
    const list = await nidus.v5.request<{ messages: Message[] }>('GET', `/devices/${id}/messages`);
    expect(list.json.messages).toHaveLength(20);
    expect(list.json.messages[0]!.message_id).toBe('k-20');
    expect(list.json.messages.at(-1)!.message_id).toBe('k-1');
  });
});

describe('API errors', () => {
  it('refuses a duplicate id, bad fields and unknown messages, and deletes', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'msg-errors', secret);
    expect(
      (await nidus.v5.request('POST', `/devices/${id}/messages`, { message_id: 'x', message: 1 })).status,
    ).toBe(201);
    const dup = await nidus.v5.request<{ error_code: string }>('POST', `/devices/${id}/messages`, {
      message_id: 'x',
      message: 2,
    });
    expect({ status: dup.status, code: dup.json.error_code }).toEqual({ status: 409, code: 'IOTDA.909012' });
    for (const body of [
      {},
      { message: 1, ttl: 7 },
      { message: 1, topic: 'a', topic_full_name: 'b' },
      { message: { a: 1 }, encoding: 'base64' },
      { message: 1, message_id: 'has space' },
    ]) {
      const { status, json } = await nidus.v5.request<{ error_code: string }>(
        'POST',
        `/devices/${id}/messages`,
        body,
      );
      expect([body, status, json.error_code]).toEqual([body, 400, 'IOTDA.000006']);
    }
    const missing = await nidus.v5.request<{ error_code: string }>('GET', `/devices/${id}/messages/nope`);
    expect({ status: missing.status, code: missing.json.error_code }).toEqual({
      status: 404,
      code: 'IOTDA.904004',
    });
    expect((await nidus.v5.request('DELETE', `/devices/${id}/messages/x`)).status).toBe(204);
    expect((await nidus.v5.request('GET', `/devices/${id}/messages/x`)).status).toBe(404);
    expect((await nidus.v5.request('POST', '/devices/nobody_here/messages', { message: 1 })).status).toBe(
      404,
    );
  });
});
