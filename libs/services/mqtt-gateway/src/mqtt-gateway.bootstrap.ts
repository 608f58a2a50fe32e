import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { MqttGatewayModule } from './mqtt-gateway.module';

/** Builds the mqtt-gateway service as one Nest application over the given runtime (ports, config, telemetry). */
export function createMqttGateway(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(MqttGatewayModule, runtime);
}
