import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { generate } from 'mqtt-packet';
import { curlRequest } from '../support/nidus-process';
import { type IClientOptions, type MqttClient, connectAsync } from 'mqtt';

/** The IoTDA MQTT login of a device (spec 01 §2.6): client id, username, HMAC password. */
export function iotdaLogin(deviceId: string, secret: string, signType: 0 | 1 = 0, timestamp?: string) {
  const ts = timestamp ?? new Date().toISOString().replace(/[-T:]/g, '').slice(0, 10);
  return {
    clientId: `${deviceId}_0_${signType}_${ts}`,
    username: deviceId,
    password: createHmac('sha256', ts).update(secret).digest('hex'),
  };
}

/** The bytes of an MQTT 3.1.1 CONNECT with the device's IoTDA login. */
export function iotdaConnect(deviceId: string, secret: string, keepalive = 60): Buffer {
  const login = iotdaLogin(deviceId, secret);
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive,
    clientId: login.clientId,
    username: login.username,
    password: Buffer.from(login.password),
  });
}

/** An MQTT.js device connection over `url` (mqtt://, mqtts://, ws://), MQTT 3.1.1, no reconnects. */
export function connectDevice(
  url: string,
  deviceId: string,
  secret: string,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return connectAsync(url, {
    ...iotdaLogin(deviceId, secret),
    protocolVersion: 4,
    keepalive: 60,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...extra,
  });
}

/** The next message on `client` whose topic satisfies `match`. */
export function nextMessage(
  client: MqttClient,
  match: (topic: string) => boolean,
): Promise<{ topic: string; json: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const on = (topic: string, payload: Buffer) => {
      if (!match(topic)) return;
      client.off('message', on);
      resolve({ topic, json: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
    };
    client.on('message', on);
  });
}

/** The registry's view of a device, as the v5 API shows it. */
export interface DeviceView {
  device_id: string;
  product_id: string;
  status: string;
  connection_status_update_time: string | null;
  fw_version: string | null;
  sw_version: string | null;
  device_sdk_version: string | null;
}

/** The temperature product every MQTT e2e test uses: one reported property and one event. */
export const meterProduct = {
  name: 'e2e-meter',
  device_type: 'meter',
  protocol_type: 'MQTT',
  data_format: 'json',
  service_capabilities: [
    {
      service_id: 'Temperature',
      service_type: 'Temperature',
      properties: [{ property_name: 'value', data_type: 'int', min: '-40', max: '200', method: 'RE' }],
      events: [
        { event_type: 'alarm', paras: [{ para_name: 'level', data_type: 'int', min: '0', max: '9' }] },
      ],
    },
  ],
};

/** A QoS 1 property report of `meterProduct`'s temperature. */
export const reportTemperature = (client: MqttClient, id: string, value: number) =>
  client.publishAsync(
    `$oc/devices/${id}/sys/properties/report`,
    JSON.stringify({ services: [{ service_id: 'Temperature', properties: { value } }] }),
    { qos: 1 },
  );

/** A v5 project reached with its token, the way an application sets devices up for a test. */
export class V5Project {
  constructor(
    private readonly base: string,
    private readonly project: string,
    private readonly token: string,
  ) {}

  /** The embedded shape's default project, with the token it wrote to `<data dir>/credentials.json`. */
  static fromDataDir(base: string, dataDir: string): V5Project {
    const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as Record<
      string,
      string
    >;
    return new V5Project(base, credentials['project_id']!, credentials['token']!);
  }

  request<T>(method: string, path: string, body?: unknown) {
    return curlRequest<T>(method, `${this.base}/v5/iot/${this.project}${path}`, {
      headers: { 'X-Auth-Token': this.token },
      ...(body === undefined ? {} : { body }),
    });
  }

  async addProduct(product: unknown = meterProduct): Promise<string> {
    const { status, json, body } = await this.request<{ product_id: string }>('POST', '/products', product);
    if (status !== 201) throw new Error(`add product ${status}: ${body}`);
    return json.product_id;
  }

  async addDevice(productId: string, nodeId: string, secret: string, extra: Record<string, unknown> = {}) {
    const { status, json, body } = await this.request<DeviceView>('POST', '/devices', {
      node_id: nodeId,
      product_id: productId,
      auth_info: { secret },
      ...extra,
    });
    if (status !== 201) throw new Error(`add device ${status}: ${body}`);
    return json.device_id;
  }

  async device(deviceId: string): Promise<DeviceView> {
    return (await this.request<DeviceView>('GET', `/devices/${deviceId}`)).json;
  }

  /** Polls `GET path` (bounded: 15 s) until its answer satisfies `check`: what devices do arrives asynchronously. */
  async until<T>(path: string, check: (answer: T) => boolean): Promise<T> {
    let last: T | undefined;
    for (let i = 0; i < 150; i++) {
      last = (await this.request<T>('GET', path)).json;
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`GET ${path} never matched: ${JSON.stringify(last)}`);
  }

  /** Polls (bounded: 20 s) until the device satisfies `check`: status events arrive asynchronously. */
  async eventually(deviceId: string, check: (d: DeviceView) => boolean): Promise<DeviceView> {
    let last: DeviceView | undefined;
    for (let i = 0; i < 200; i++) {
      last = await this.device(deviceId);
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`device ${deviceId} never matched: ${JSON.stringify(last)}`);
  }
}

/**
 * A bare TCP device that sends CONNECT and then stays silent — no PINGREQ, as a device whose network vanished —
 * resolving with the socket once CONNACK 0 arrives.
 */
export function silentDevice(
  port: number,
  deviceId: string,
  secret: string,
  keepalive: number,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (data: Buffer) => {
      // CONNACK: 0x20, remaining length 2, session present, return code
      if (data[0] === 0x20 && data[3] === 0) resolve(socket);
      else reject(new Error(`CONNACK ${data.toString('hex')}`));
    });
    socket.write(iotdaConnect(deviceId, secret, keepalive));
  });
}
