import {
  DeviceDirectory,
  DeviceSessions,
  GatewayInstance,
  SourceGuard,
  UplinkPipeline,
} from '@nidus/gateway-kit';
import { InternalClient } from '@nidus/platform-iotda-http';
import { watchBlockedSources } from '@nidus/platform-observability';
import type { ServiceRuntime } from '@nidus/platform-runtime';

/** The gateway-kit pieces the MQTT gateway is built from, made once per service instance. */
export interface MqttGatewayParts {
  /** This process as the platform sees it: the `source` of what it publishes, its heartbeat. */
  readonly instance: GatewayInstance;
  readonly client: InternalClient;
  readonly directory: DeviceDirectory;
  readonly sessions: DeviceSessions;
  readonly pipeline: UplinkPipeline;
  /** Failed logins per source address (`nidus_gateway_blocked_sources` counts the addresses it blocks). */
  readonly guard: SourceGuard;
}

export const MQTT_GATEWAY_PARTS = Symbol('MQTT_GATEWAY_PARTS');

export async function makeMqttGatewayParts(runtime: ServiceRuntime): Promise<MqttGatewayParts> {
  const { config } = runtime;
  const instance = new GatewayInstance(
    runtime.bus,
    'mqtt-gateway',
    config.instanceId,
    config.gatewayHeartbeatMs,
    runtime.logger,
  );
  await instance.start();
  const client = new InternalClient(runtime);
  const directory = new DeviceDirectory(client, () => runtime.clock.now());
  const sessions = new DeviceSessions(await runtime.sessions(), config.instanceId, runtime.logger);
  await sessions.start();
  const pipeline = new UplinkPipeline({
    bus: runtime.bus,
    directory,
    clock: runtime.clock,
    source: instance.source,
  });
  const guard = new SourceGuard(config.mqtt.loginFailures, () => runtime.clock.now());
  watchBlockedSources(runtime.metrics, 'mqtt', () => guard.blockedCount());
  return { instance, client, directory, sessions, pipeline, guard };
}
