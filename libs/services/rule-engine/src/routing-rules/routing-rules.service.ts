import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { resourceSpaceAccessSchema } from '@nidus/contracts';
import { type Filter, findAll, findOne } from '@nidus/persistence-core';
import { IotdaApiError, type MarkerPaging, findMarkerPage, unavailable } from '@nidus/platform-iotda-http';
import { RuleSqlError, compileRuleSql } from '@nidus/protocol-rule-sql';
import { RULE_PARTS, type RuleParts } from '../rule-engine.parts';
import type { AddRule, ListRulesQuery, UpdateRule } from './routing-rule.dto';
import type { RuleStore, StoredRule } from './routing-rule.schema';

/**
 * Routing rules (spec 03 §7.2, spec 05 §3.10.1–§3.10.5): a data source, a scope (one resource space or the whole
 * project) and optional SQL, checked by compiling it. A new rule is inactive until `PUT` sets `active`.
 */
@Injectable()
export class RoutingRulesService {
  constructor(@Inject(RULE_PARTS) private readonly parts: RuleParts) {}

  async create(project: string, body: AddRule) {
    checkSql(body.select, body.where);
    const appId = body.app_type === 'GLOBAL' ? null : await this.resolveApp(project, body.app_id);
    const rule: StoredRule = {
      rule_id: randomUUID(),
      rule_name: body.rule_name ?? '',
      description: body.description ?? '',
      resource: body.subject.resource,
      event: body.subject.event,
      app_type: body.app_type,
      app_id: appId,
      select: body.select ?? '',
      where: body.where ?? '',
      active: false,
    };
    await this.parts.rules.insert(project, this.parts.ids.next(), rule);
    return viewOf(rule);
  }

  async list(project: string, query: ListRulesQuery, paging: MarkerPaging) {
    const filter: Record<string, Filter[string]> = {};
    for (const key of ['resource', 'event', 'app_type', 'app_id', 'rule_name'] as const)
      if (query[key] !== undefined) filter[key] = query[key];
    if (query.active !== undefined) filter['active'] = query.active === 'true';
    const page = await findMarkerPage(this.parts.rules, project, { filter }, paging);
    return { rules: page.items.map((r) => viewOf(r.data)), count: page.count, marker: page.marker };
  }

  async show(project: string, ruleId: string) {
    return viewOf((await findRule(this.parts.rules, project, ruleId)).data);
  }

  async update(project: string, ruleId: string, body: UpdateRule) {
    checkSql(body.select, body.where);
    const stored = await findRule(this.parts.rules, project, ruleId);
    const rule: StoredRule = {
      ...stored.data,
      ...(body.rule_name === undefined ? {} : { rule_name: body.rule_name }),
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.select === undefined ? {} : { select: body.select, where: body.where ?? '' }),
      ...(body.active === undefined ? {} : { active: body.active }),
    };
    // Last writer wins, as for the registry's updates: the version only keeps a concurrent delete out.
    await this.parts.rules.replace(project, stored.id, rule, stored.version);
    this.parts.activeRules.forget(project);
    return viewOf(rule);
  }

  /** Deletes the rule and then its actions (an action without its rule forwards nothing). */
  async delete(project: string, ruleId: string): Promise<void> {
    const stored = await findRule(this.parts.rules, project, ruleId);
    await this.parts.rules.delete(project, stored.id);
    for (const action of await findAll(this.parts.actions, project, { rule_id: ruleId }))
      await this.parts.actions.delete(project, action.id);
    this.parts.activeRules.forget(project);
  }

  /** The resource space a rule names, or the project's default one (spec 05 §3.10.1); 404 for an unknown one. */
  private async resolveApp(project: string, appId: string | undefined): Promise<string> {
    const path = `/internal/resource-spaces/${encodeURIComponent(project)}${appId ? `?app_id=${encodeURIComponent(appId)}` : ''}`;
    const space = await this.parts.client
      .get('device-registry', path, resourceSpaceAccessSchema)
      .catch(unavailable);
    if (!space) throw new IotdaApiError('RESOURCE_SPACE_NOT_FOUND', `app_id ${appId}.`);
    return space.app_id;
  }
}

/** The rule with this id, or 404 IOTDA.904006. */
export async function findRule(rules: RuleStore, project: string, ruleId: string) {
  const found = await findOne(rules, project, { rule_id: ruleId });
  if (!found) throw new IotdaApiError('RULE_NOT_FOUND', `rule_id ${ruleId}.`);
  return found;
}

/** Refuses SQL that does not compile, naming the clause, the column and the problem (spec 03 §8). */
function checkSql(select: string | undefined, where: string | undefined): void {
  try {
    compileRuleSql({ select, where });
  } catch (error) {
    if (error instanceof RuleSqlError) throw new IotdaApiError('RULE_SQL_INVALID', error.message);
    throw error;
  }
}

function viewOf(r: StoredRule) {
  return {
    rule_id: r.rule_id,
    rule_name: r.rule_name,
    description: r.description,
    subject: { resource: r.resource, event: r.event },
    app_type: r.app_type,
    app_id: r.app_id,
    select: r.select,
    where: r.where,
    active: r.active,
  };
}
