import { type V5Operation, markerPagingQuerySchema } from '@nidus/platform-iotda-http';
import {
  addRuleSchema,
  listRulesQuerySchema,
  listRulesResponseSchema,
  routingRuleSchema,
  updateRuleSchema,
} from './routing-rules/routing-rule.dto';

/** The v5 operations the rule engine serves (spec 05 §3.10); the api merges them into its OpenAPI document. */
export const ruleEngineOperations: readonly V5Operation[] = [
  {
    method: 'post',
    path: '/routing-rule/rules',
    operationId: 'create_routing_rule',
    summary: 'Create a routing rule (inactive until updated with active: true); its SQL is checked',
    status: 201,
    body: addRuleSchema,
    response: routingRuleSchema,
  },
  {
    method: 'get',
    path: '/routing-rule/rules',
    operationId: 'list_routing_rules',
    summary: 'List routing rules, newest first, with marker paging',
    status: 200,
    query: listRulesQuerySchema.extend(markerPagingQuerySchema.shape),
    response: listRulesResponseSchema,
  },
  {
    method: 'get',
    path: '/routing-rule/rules/{rule_id}',
    operationId: 'show_routing_rule',
    summary: 'Show a routing rule',
    status: 200,
    response: routingRuleSchema,
  },
  {
    method: 'put',
    path: '/routing-rule/rules/{rule_id}',
    operationId: 'update_routing_rule',
    summary: "Change a rule's name, description, SQL (select and where together) or activation",
    status: 200,
    body: updateRuleSchema,
    response: routingRuleSchema,
  },
  {
    method: 'delete',
    path: '/routing-rule/rules/{rule_id}',
    operationId: 'delete_routing_rule',
    summary: 'Delete a routing rule',
    status: 204,
  },
];
