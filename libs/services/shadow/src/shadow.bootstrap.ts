import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { ShadowModule } from './shadow.module';

/** Builds the shadow service as one Nest application over the given runtime (ports, config, telemetry). */
export function createShadow(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(ShadowModule, runtime);
}
