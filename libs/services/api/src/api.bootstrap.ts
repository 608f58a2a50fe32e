import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { ApiModule } from './api.module';

/** Builds the api service as one Nest application over the given runtime (ports, config, telemetry). */
export function createApi(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(ApiModule, runtime);
}
