import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { AmqpPushModule } from './amqp-push.module';

/** Builds amqp-push as one Nest application over the given runtime (ports, config, telemetry). */
export function createAmqpPush(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(AmqpPushModule, runtime);
}
