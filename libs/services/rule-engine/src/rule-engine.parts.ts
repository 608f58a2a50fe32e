import { RecordIdGenerator } from '@nidus/domain-ids';
import { InternalClient } from '@nidus/platform-iotda-http';
import type { ServiceRuntime } from '@nidus/platform-runtime';
import { ActiveRules } from './forwarding/active-rules';
import { type ActionStore, openActionStore } from './rule-actions/rule-action.schema';
import { type RuleStore, openRuleStore } from './routing-rules/routing-rule.schema';

/** What the rule engine's slices share, made once per service instance. */
export interface RuleParts {
  /** The registry (resource spaces). */
  readonly client: InternalClient;
  readonly rules: RuleStore;
  readonly actions: ActionStore;
  /** Record ids of new rules and actions (time-ordered: the lists' markers). */
  readonly ids: RecordIdGenerator;
  /** What the forwarding runs; the API's changes make it forget a project's rules. */
  readonly activeRules: ActiveRules;
}

export const RULE_PARTS = Symbol('RULE_PARTS');

export async function makeRuleParts(runtime: ServiceRuntime): Promise<RuleParts> {
  const documents = await runtime.documents();
  const rules = await openRuleStore(documents);
  const actions = await openActionStore(documents);
  return {
    client: new InternalClient(runtime),
    rules,
    actions,
    ids: new RecordIdGenerator(runtime.clock),
    activeRules: new ActiveRules(rules, actions, runtime.clock),
  };
}
