import { connectDevice } from '../mqtt/device-clients';
import { type Seen, answerRequests, useValvePlatform, whenOnline } from './answering-device';

// Synchronous commands, property sets and gets (issue 5; spec 03 §5.3, spec 05 §3.5.1, §3.6) in the embedded shape:
// the v5 API driven with curl, an MQTT.js device that answers on the response topics without subscribing.

const secret = 'e2eSecret0123456789';
const nidus = useValvePlatform({ SHADOW_SYNC_TIMEOUT_MS: '1500' });

async function onlineDevice(node: string, answer = true): Promise<{ id: string; seen: Seen[] }> {
  const id = await nidus.v5.addDevice(nidus.product, node, secret);
  const client = await connectDevice(nidus.url, id, secret);
  nidus.clients.push(client);
  return { id, seen: answer ? answerRequests(client, id) : [] };
}

describe('synchronous calls to an online device', () => {
  it('sends a command on its request_id topic and returns the device answer', async () => {
    const { id, seen } = await onlineDevice('valve-cmd');
    const { status, json, body } = await whenOnline(() =>
      nidus.v5.request<{ command_id: string; response: Record<string, unknown> }>(
        'POST',
        `/devices/${id}/commands`,
        {
          service_id: 'Valve',
          command_name: 'SET_MODE',
          paras: { mode: 'AUTO', delay: '5' },
        },
      ),
    );
    expect({ status, body }).toMatchObject({ status: 200 });
    expect(json.response).toEqual({
      result_code: 0,
      response_name: 'SET_MODE_RSP',
      paras: { applied: { mode: 'AUTO', delay: 5 } },
    });
    const request = seen.find((s) => s.topic.includes('/sys/commands/request_id='))!;
    expect(request.topic).toBe(`$oc/devices/${id}/sys/commands/request_id=${json.command_id}`);
    expect(request.body).toEqual({
      service_id: 'Valve',
      command_name: 'SET_MODE',
      paras: { mode: 'AUTO', delay: 5 },
    });
  });

  it('sets and gets properties through the device', async () => {
    const { id, seen } = await onlineDevice('valve-props');
    const set = await whenOnline(() =>
      nidus.v5.request<{ request_id: string; response: unknown }>('PUT', `/devices/${id}/properties`, {
        services: [{ service_id: 'Valve', properties: { opening: 40 } }],
      }),
    );
    expect(set.status).toBe(200);
    expect(set.json.response).toEqual({ result_code: 0, result_desc: 'success' });
    expect(seen.at(-1)).toEqual({
      topic: `$oc/devices/${id}/sys/properties/set/request_id=${set.json.request_id}`,
      body: { services: [{ service_id: 'Valve', properties: { opening: 40 } }] },
    });
    const get = await nidus.v5.request<{ request_id: string; response: unknown }>(
      'GET',
      `/devices/${id}/properties?service_id=Valve`,
    );
    expect(get.status).toBe(200);
    expect(get.json.response).toEqual({
      services: [
        { service_id: 'Valve', properties: { opening: 40, pressure: 1.5 }, event_time: '20261127T010203Z' },
      ],
    });
    expect(seen.at(-1)!.topic).toBe(`$oc/devices/${id}/sys/properties/get/request_id=${get.json.request_id}`);
  });

  it('times out with 408 when the device does not answer, and drops its late answer', async () => {
    const { id } = await onlineDevice('valve-mute', false);
    const late = nidus.clients.at(-1)!;
    const requests: string[] = [];
    late.on('message', (topic) => requests.push(topic));
    const started = Date.now();
    const { status, json } = await whenOnline(() =>
      nidus.v5.request<{ error_code: string }>('POST', `/devices/${id}/commands`, {
        paras: { any: 'thing' },
      }),
    );
    expect(status).toBe(408);
    expect(json.error_code).toBe('IOTDA.908001');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    // The answer after the timeout completes nothing, and the platform stays healthy for the next call.
    const requestId = requests[0]!.split('request_id=')[1]!;
    await late.publishAsync(
      `$oc/devices/${id}/sys/commands/response/request_id=${requestId}`,
      JSON.stringify({ result_code: 0 }),
      { qos: 1 },
    );
    answerRequests(late, id);
    const next = await nidus.v5.request('POST', `/devices/${id}/commands`, { paras: { again: true } });
    expect(next.status).toBe(200);
    expect(nidus.platform.stdout).toMatch(new RegExp(`"requestId":"${requestId}","outcome":"unknown"`));
  });
});

describe('refusals', () => {
  it('answers 409 IOTDA.014016 at once for a device that is not online', async () => {
    const id = await nidus.v5.addDevice(nidus.product, 'valve-offline', secret);
    const started = Date.now();
    const { status, json } = await nidus.v5.request<{ error_code: string }>(
      'POST',
      `/devices/${id}/commands`,
      {
        paras: {},
      },
    );
    expect({ status, code: json.error_code }).toEqual({ status: 409, code: 'IOTDA.014016' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers 404 for an unknown device and 400 for what the nidus.product model does not allow', async () => {
    const { id } = await onlineDevice('valve-bad');
    expect((await nidus.v5.request('POST', '/devices/nobody_here/commands', { paras: {} })).status).toBe(404);
    const bad = async (method: string, path: string, body?: unknown) => {
      const { status, json } = await nidus.v5.request<{ error_code: string; error_msg: string }>(
        method,
        path,
        body,
      );
      expect({ status, code: json.error_code }).toEqual({ status: 400, code: 'IOTDA.000006' });
      return json.error_msg;
    };
    const commands = `/devices/${id}/commands`;
    expect(await bad('POST', commands, { service_id: 'Nope', paras: {} })).toContain('service_id Nope');
    expect(await bad('POST', commands, { service_id: 'Valve', command_name: 'FLY', paras: {} })).toContain(
      'FLY',
    );
    expect(
      await bad('POST', commands, {
        service_id: 'Valve',
        command_name: 'SET_MODE',
        paras: { mode: 'TURBO' },
      }),
    ).toContain('mode');
    expect(
      await bad('POST', commands, { service_id: 'Valve', command_name: 'SET_MODE', paras: { delay: 1 } }),
    ).toContain('mode is required');
    expect(await bad('POST', commands, { paras: 'not an object' })).toContain('paras');
    const props = `/devices/${id}/properties`;
    expect(
      await bad('PUT', props, { services: [{ service_id: 'Valve', properties: { pressure: 2 } }] }),
    ).toContain('not writable');
    expect(
      await bad('PUT', props, { services: [{ service_id: 'Valve', properties: { opening: 101 } }] }),
    ).toContain('opening');
    expect(await bad('GET', `${props}?service_id=Nope`)).toContain('Nope');
    expect(await bad('GET', props)).toContain('service_id');
  });
});
