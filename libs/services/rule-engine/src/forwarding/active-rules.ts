import { findAll } from '@nidus/persistence-core';
import type { Clock } from '@nidus/ports';
import { TtlCache } from '@nidus/ports';
import { type CompiledRuleSql, compileRuleSql } from '@nidus/protocol-rule-sql';
import type { ActionStore, StoredAction } from '../rule-actions/rule-action.schema';
import type { RuleStore } from '../routing-rules/routing-rule.schema';

/** A rule ready to run: its scope, its compiled SQL and its actions. */
export interface ActiveRule {
  readonly ruleId: string;
  /** Null: every resource space of the project (GLOBAL). */
  readonly appId: string | null;
  readonly sql: CompiledRuleSql;
  readonly actions: readonly StoredAction[];
}

/** How long this instance keeps a project's active rules: a change on another instance shows within it. */
const activeRulesTtlMs = 2_000;

/**
 * The active rules of a project's data source, compiled, with their actions: read from the store at most once per
 * `activeRulesTtlMs`, forgotten at once by a change made on this instance.
 */
export class ActiveRules {
  private readonly cache: TtlCache<readonly ActiveRule[]>;

  constructor(
    private readonly rules: RuleStore,
    private readonly actions: ActionStore,
    clock: Clock,
  ) {
    this.cache = new TtlCache(() => clock.now(), activeRulesTtlMs, 10_000);
  }

  async of(project: string, resource: string, event: string): Promise<readonly ActiveRule[]> {
    return (await this.cache.get(`${project}\u0000${resource}\u0000${event}`, () =>
      this.load(project, resource, event),
    ))!;
  }

  forget(project: string): void {
    this.cache.forgetPrefix(`${project}\u0000`);
  }

  /** The active rules that have actions, each with its actions: two queries per hundred rules. */
  private async load(project: string, resource: string, event: string): Promise<ActiveRule[]> {
    const rules = await findAll(this.rules, project, { resource, event, active: true });
    const actionsOf = new Map<string, StoredAction[]>();
    for (let i = 0; i < rules.length; i += 100) {
      const ids = rules.slice(i, i + 100).map((r) => r.data.rule_id);
      for (const { data } of await findAll(this.actions, project, { rule_id: { in: ids } }))
        actionsOf.set(data.rule_id, [...(actionsOf.get(data.rule_id) ?? []), data]);
    }
    return rules.flatMap(({ data }) => {
      const actions = actionsOf.get(data.rule_id);
      if (!actions) return []; // nowhere to forward to
      return [
        {
          ruleId: data.rule_id,
          appId: data.app_type === 'GLOBAL' ? null : data.app_id,
          sql: compileRuleSql({ select: data.select, where: data.where }),
          actions,
        },
      ];
    });
  }
}
