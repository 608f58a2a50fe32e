import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { IotdaHttpModule, openApiPathsController } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { ruleEngineOperations } from './rule-engine.openapi';
import { RULE_PARTS, type RuleParts, makeRuleParts } from './rule-engine.parts';
import { PushEventsConsumer } from './forwarding/push-events.consumer';
import { PushCertificatesController } from './push-certificates/push-certificates.controller';
import { PushCertificatesService } from './push-certificates/push-certificates.service';
import { QueueUseController, RuleActionsController } from './rule-actions/rule-actions.controller';
import { RuleActionsService } from './rule-actions/rule-actions.service';
import { RoutingRulesController } from './routing-rules/routing-rules.controller';
import { RoutingRulesService } from './routing-rules/routing-rules.service';

/** Lets go of what the slices share. */
@Injectable()
class RulePartsCloser implements OnApplicationShutdown {
  constructor(@Inject(RULE_PARTS) private readonly parts: RuleParts) {}

  onApplicationShutdown(): void {
    this.parts.client.close();
  }
}

/** Root module of the rule engine: data-forwarding routing rules and their actions (spec 03 §7, spec 05 §3.10; ADR 0011). */
@Module({
  imports: [IotdaHttpModule],
  controllers: [
    RoutingRulesController,
    RuleActionsController,
    QueueUseController,
    PushCertificatesController,
    openApiPathsController(ruleEngineOperations),
  ],
  providers: [
    {
      provide: RULE_PARTS,
      useFactory: (runtime: ServiceRuntime) => makeRuleParts(runtime),
      inject: [SERVICE_RUNTIME],
    },
    RulePartsCloser,
    RoutingRulesService,
    RuleActionsService,
    PushCertificatesService,
    PushEventsConsumer,
  ],
})
export class RuleEngineModule {}
