import { type V5Operation, markerPagingQuerySchema } from '@nidus/platform-iotda-http';
import {
  addRuleSchema,
  listRulesQuerySchema,
  listRulesResponseSchema,
  routingRuleSchema,
  updateRuleSchema,
} from './routing-rules/routing-rule.dto';
import {
  addActionSchema,
  listActionsQuerySchema,
  listActionsResponseSchema,
  ruleActionSchema,
  updateActionSchema,
} from './rule-actions/rule-action.dto';

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
    summary: 'Delete a routing rule and its actions',
    status: 204,
  },
  {
    method: 'post',
    path: '/routing-rule/actions',
    operationId: 'create_rule_action',
    summary:
      "Add a forwarding target to a rule: HTTP_FORWARDING or AMQP_FORWARDING, with the channel's detail",
    status: 201,
    body: addActionSchema,
    response: ruleActionSchema,
  },
  {
    method: 'get',
    path: '/routing-rule/actions',
    operationId: 'list_rule_actions',
    summary: 'List rule actions, newest first, with marker paging',
    status: 200,
    query: listActionsQuerySchema.extend(markerPagingQuerySchema.shape),
    response: listActionsResponseSchema,
  },
  {
    method: 'get',
    path: '/routing-rule/actions/{action_id}',
    operationId: 'show_rule_action',
    summary: 'Show a rule action',
    status: 200,
    response: ruleActionSchema,
  },
  {
    method: 'put',
    path: '/routing-rule/actions/{action_id}',
    operationId: 'update_rule_action',
    summary: 'Change where a rule action forwards',
    status: 200,
    body: updateActionSchema,
    response: ruleActionSchema,
  },
  {
    method: 'delete',
    path: '/routing-rule/actions/{action_id}',
    operationId: 'delete_rule_action',
    summary: 'Delete a rule action',
    status: 204,
  },
];
