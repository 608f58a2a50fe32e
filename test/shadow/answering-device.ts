import type { MqttClient } from 'mqtt';
import { V5Project } from '../mqtt/device-clients';
import { NidusProcess, embeddedEnv } from '../support/nidus-process';

/** The valve product of the downlink e2e tests: a writable and a read-only property, and a command. */
export const valveProduct = {
  name: 'e2e-valve',
  device_type: 'valve',
  protocol_type: 'MQTT',
  data_format: 'json',
  service_capabilities: [
    {
      service_id: 'Valve',
      service_type: 'Valve',
      properties: [
        { property_name: 'opening', data_type: 'int', min: '0', max: '100', method: 'RW' },
        { property_name: 'pressure', data_type: 'decimal', method: 'R' },
      ],
      commands: [
        {
          command_name: 'SET_MODE',
          paras: [
            { para_name: 'mode', data_type: 'enum', enum_list: ['AUTO', 'MANUAL'], required: true },
            { para_name: 'delay', data_type: 'int', min: '0', max: '60' },
          ],
        },
      ],
    },
  ],
};

/** What an answering device saw: each request's topic and body, in order. */
export interface Seen {
  topic: string;
  body: Record<string, unknown>;
}

/**
 * Makes an MQTT.js device answer like IoTDA firmware does, without subscribing (the downlink topics are implicit,
 * spec 01 §3.1 R6): a command with its paras echoed, a property set with success, a property get with values.
 */
export function answerRequests(client: MqttClient, deviceId: string, seen: Seen[] = []): Seen[] {
  const prefix = `$oc/devices/${deviceId}/sys/`;
  client.on('message', (topic: string, payload: Buffer) => {
    const body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    seen.push({ topic, body });
    const match = /^(commands|properties\/set|properties\/get)\/request_id=(.+)$/.exec(
      topic.slice(prefix.length),
    );
    if (!match) return;
    const [, kind, requestId] = match;
    const answer =
      kind === 'commands'
        ? { result_code: 0, response_name: 'SET_MODE_RSP', paras: { applied: body['paras'] } }
        : kind === 'properties/set'
          ? { result_code: 0, result_desc: 'success' }
          : {
              services: [
                {
                  service_id: body['service_id'],
                  properties: { opening: 40, pressure: 1.5 },
                  event_time: '20261127T010203Z',
                },
              ],
            };
    client.publish(`${prefix}${kind}/response/request_id=${requestId}`, JSON.stringify(answer), { qos: 1 });
  });
  return seen;
}

/**
 * Calls until the shadow service has seen the device come online (its status event reaches it asynchronously): a
 * bounded retry of 409 IOTDA.014016, 10 s.
 */
export async function whenOnline<T>(call: () => Promise<{ status: number; json: T; body: string }>) {
  for (let i = 0; ; i++) {
    const result = await call();
    if (result.status !== 409 || i >= 100) return result;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The embedded platform the downlink e2e tests drive: MQTT on a free port, the valve product created. */
async function startValvePlatform(extra: Record<string, string> = {}) {
  const { env, dataDir, api, mqtt } = await embeddedEnv(extra);
  const platform = NidusProcess.start('platform', env);
  await platform.up();
  const v5 = V5Project.fromDataDir(api, dataDir);
  return { env, platform, v5, product: await v5.addProduct(valveProduct), url: mqtt };
}

/**
 * Starts the valve platform for a spec file (stopped after it, exit code 0), ends its device clients after each test;
 * `restart` stops it (SIGTERM, exit code 0) and starts it again on the same data directory and ports.
 */
export function useValvePlatform(env: Record<string, string> = {}) {
  const nidus = { clients: [] as MqttClient[] } as Awaited<ReturnType<typeof startValvePlatform>> & {
    clients: MqttClient[];
    restart(): Promise<void>;
  };
  nidus.restart = async () => {
    expect(await nidus.platform.stop()).toBe(0);
    nidus.platform = NidusProcess.start('platform', nidus.env);
    await nidus.platform.up();
  };
  beforeAll(async () => {
    Object.assign(nidus, await startValvePlatform(env));
  }, 120_000);
  afterEach(() => nidus.clients.splice(0).forEach((c) => c.end(true)));
  afterAll(async () => {
    expect(await nidus.platform?.stop()).toBe(0);
  });
  return nidus;
}
