import { createHmac } from 'node:crypto';
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
