import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { ApiModule } from './api.module';

/**
 * Builds the api service as one Nest application over the given runtime (ports, config, telemetry). Bodies are left
 * unparsed: AK/SK signatures cover the raw bytes (spec 05 §2.3).
 */
export function createApi(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(ApiModule, runtime, { bodyParser: false });
}
