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

  private async load(project: string, resource: string, event: string): Promise<ActiveRule[]> {
    const { rules, actions } = this;
    const active: ActiveRule[] = [];
    for (let cursor: string | undefined; ;) {
      const page = await rules.find(
        project,
        { resource, event, active: true },
        { limit: 100, ...(cursor ? { cursor } : {}) },
      );
      for (const { data } of page.items) {
        const found = await actions.find(project, { rule_id: data.rule_id }, { limit: 100 });
        if (found.items.length === 0) continue; // nowhere to forward to
        active.push({
          ruleId: data.rule_id,
          appId: data.app_type === 'GLOBAL' ? null : data.app_id,
          sql: compileRuleSql({ select: data.select, where: data.where }),
          actions: found.items.map((a) => a.data),
        });
      }
      if (!page.nextCursor) return active;
      cursor = page.nextCursor;
    }
  }
}
