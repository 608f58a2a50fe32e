import { DeviceDirectory, DeviceSessions, UplinkPipeline } from '@nidus/gateway-kit';
import { InternalClient } from '@nidus/platform-iotda-http';
import type { ServiceRuntime } from '@nidus/platform-runtime';

/** The gateway-kit pieces the MQTT gateway is built from, made once per service instance. */
export interface MqttGatewayParts {
  readonly client: InternalClient;
  readonly directory: DeviceDirectory;
  readonly sessions: DeviceSessions;
  readonly pipeline: UplinkPipeline;
}

export const MQTT_GATEWAY_PARTS = Symbol('MQTT_GATEWAY_PARTS');

export async function makeMqttGatewayParts(runtime: ServiceRuntime): Promise<MqttGatewayParts> {
  const client = new InternalClient(runtime);
  const directory = new DeviceDirectory(client, () => runtime.clock.now());
  const sessions = new DeviceSessions(await runtime.sessions(), runtime.config.instanceId, runtime.logger);
  await sessions.start();
  const pipeline = new UplinkPipeline({
    bus: runtime.bus,
    directory,
    clock: runtime.clock,
    source: 'nidus/mqtt-gateway',
  });
  return { client, directory, sessions, pipeline };
}
