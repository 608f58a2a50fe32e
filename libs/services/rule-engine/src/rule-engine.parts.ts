import { RecordIdGenerator } from '@nidus/domain-ids';
import { InternalClient } from '@nidus/platform-iotda-http';
import type { ServiceRuntime } from '@nidus/platform-runtime';
import type { Clock } from '@nidus/ports';
import { ActiveRules } from './forwarding/active-rules';
import { DeadLetters, type DeadLetterStore, openDeadLetterStore } from './forwarding/dead-letters';
import {
  type PushCertificateStore,
  openPushCertificateStore,
} from './push-certificates/push-certificate.schema';
import { type ActionStore, openActionStore } from './rule-actions/rule-action.schema';
import { type RuleStore, openRuleStore } from './routing-rules/routing-rule.schema';

/** What the rule engine's slices share, made once per service instance. */
export interface RuleParts {
  /** The registry (resource spaces). */
  readonly client: InternalClient;
  readonly rules: RuleStore;
  readonly actions: ActionStore;
  /** Push CA certificates that HTTPS actions name. */
  readonly certificates: PushCertificateStore;
  readonly clock: Clock;
  /** Record ids of new rules and actions (time-ordered: the lists' markers). */
  readonly ids: RecordIdGenerator;
  /** What the forwarding runs; the API's changes make it forget a project's rules. */
  readonly activeRules: ActiveRules;
  /** Pushes that were not delivered, per action (Nidus extension). */
  readonly deadLetterStore: DeadLetterStore;
  readonly deadLetters: DeadLetters;
}

export const RULE_PARTS = Symbol('RULE_PARTS');

export async function makeRuleParts(runtime: ServiceRuntime): Promise<RuleParts> {
  const documents = await runtime.documents();
  const rules = await openRuleStore(documents);
  const actions = await openActionStore(documents);
  const certificates = await openPushCertificateStore(documents);
  const ids = new RecordIdGenerator(runtime.clock);
  const deadLetterStore = await openDeadLetterStore(documents);
  return {
    client: new InternalClient(runtime),
    rules,
    actions,
    certificates,
    clock: runtime.clock,
    ids,
    activeRules: new ActiveRules(rules, actions, certificates, runtime.clock),
    deadLetterStore,
    deadLetters: new DeadLetters(deadLetterStore, ids, runtime.clock, runtime.logger),
  };
}
