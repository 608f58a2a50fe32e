import type { INestApplication } from '@nestjs/common';
import { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';
import { RuleEngineModule } from './rule-engine.module';

/** Builds the rule engine as one Nest application over the given runtime (ports, config, telemetry). */
export function createRuleEngine(runtime: ServiceRuntime): Promise<INestApplication> {
  return createServiceApp(RuleEngineModule, runtime);
}
