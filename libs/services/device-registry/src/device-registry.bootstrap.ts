import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { DeviceRegistryModule } from './device-registry.module';

/** Builds the device-registry service as one Nest application over the given runtime (ports, config, telemetry). */
export function createDeviceRegistry(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(DeviceRegistryModule, runtime);
}
