import { findAll } from '@nidus/persistence-core';
import type { Clock } from '@nidus/ports';
import { TtlCache } from '@nidus/ports';
import { type CompiledRuleSql, compileRuleSql } from '@nidus/protocol-rule-sql';
import type { PushCertificateStore } from '../push-certificates/push-certificate.schema';
import type { ActionStore, StoredAction } from '../rule-actions/rule-action.schema';
import type { RuleStore } from '../routing-rules/routing-rule.schema';
import { type HttpTarget, httpTarget } from './http-push';

/** A rule ready to run: its scope, its compiled SQL and where its actions forward. */
export interface ActiveRule {
  readonly ruleId: string;
  /** Null: every resource space of the project (GLOBAL). */
  readonly appId: string | null;
  readonly sql: CompiledRuleSql;
  /** Its HTTP actions, each with the CA certificate it names. */
  readonly http: readonly HttpTarget[];
  /** The AMQP queues of its AMQP actions. */
  readonly queues: readonly string[];
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
    private readonly certificates: PushCertificateStore,
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

  /** The active rules that have actions, each with its actions: two queries per hundred rules, and the CAs named. */
  private async load(project: string, resource: string, event: string): Promise<ActiveRule[]> {
    const rules = await findAll(this.rules, project, { resource, event, active: true });
    const actionsOf = new Map<string, StoredAction[]>();
    for (let i = 0; i < rules.length; i += 100) {
      const ids = rules.slice(i, i + 100).map((r) => r.data.rule_id);
      for (const { data } of await findAll(this.actions, project, { rule_id: { in: ids } }))
        actionsOf.set(data.rule_id, [...(actionsOf.get(data.rule_id) ?? []), data]);
    }
    const trust = await this.trustOf(project, [...actionsOf.values()].flat());
    return rules.flatMap(({ data }) => {
      const actions = actionsOf.get(data.rule_id);
      if (!actions) return []; // nowhere to forward to
      const http: HttpTarget[] = [];
      const queues: string[] = [];
      for (const action of actions) {
        const detail = action.channel_detail;
        if (detail.http_forwarding) {
          const certId = detail.http_forwarding.cert_id;
          let ca: HttpTarget['trust'];
          if (certId !== undefined) {
            const pem = trust.get(certId);
            // Its certificate is gone (deleted meanwhile through another instance): the action does not push.
            if (pem === undefined) continue;
            ca = { certId, pem };
          }
          http.push(httpTarget(project, action.action_id, detail.http_forwarding, ca));
        } else if (detail.amqp_forwarding) queues.push(detail.amqp_forwarding.queue_name);
      }
      return [
        {
          ruleId: data.rule_id,
          appId: data.app_type === 'GLOBAL' ? null : data.app_id,
          sql: compileRuleSql({ select: data.select, where: data.where }),
          http,
          queues,
        },
      ];
    });
  }

  /** The CA certificates the actions name, PEM by certificate id. */
  private async trustOf(project: string, actions: readonly StoredAction[]): Promise<Map<string, string>> {
    const ids = [...new Set(actions.flatMap((a) => a.channel_detail.http_forwarding?.cert_id ?? []))];
    const trust = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 100)
      for (const { data } of await findAll(this.certificates, project, {
        cert_id: { in: ids.slice(i, i + 100) },
      }))
        trust.set(data.cert_id, data.pem);
    return trust;
  }
}
