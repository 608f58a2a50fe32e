import { z } from 'zod';

/** The data sources a routing rule may subscribe to: resource → its events (spec 05 §3.10, spec 03 §6.2). */
export const ruleSubjects: Readonly<Record<string, readonly string[]>> = {
  device: ['create', 'update', 'delete'],
  'device.property': ['report'],
  'device.message': ['report'],
  'device.message.status': ['update'],
  'device.status': ['update'],
  'device.command.status': ['update'],
  batchtask: ['update'],
  product: ['create', 'update', 'delete'],
};

const resources = Object.keys(ruleSubjects) as [string, ...string[]];

export const ruleSubjectSchema = z
  .object({ resource: z.enum(resources), event: z.string() })
  .refine((s) => ruleSubjects[s.resource]?.includes(s.event), {
    message: 'not an event of this resource',
    path: ['event'],
  });

const ruleName = z
  .string()
  .max(256)
  .regex(/^[\p{L}\p{N}_?'#().,&%@! -]*$/u, "letters, digits, spaces and _?'#().,&%@!-");
const appId = z
  .string()
  .min(1)
  .max(36)
  .regex(/^[A-Za-z0-9_-]+$/);
/** SQL clauses are checked by the rule SQL compiler (500 characters, spec 03 §8.1), which names the problem. */
const sqlClause = z.string().max(2_500);

/** `AddRuleReq` (spec 05 §3.10.1). */
export const addRuleSchema = z.object({
  rule_name: ruleName.optional(),
  description: z.string().max(256).optional(),
  subject: ruleSubjectSchema,
  app_type: z.enum(['GLOBAL', 'APP']).default('APP'),
  app_id: appId.optional(),
  select: sqlClause.optional(),
  where: sqlClause.optional(),
});
export type AddRule = z.infer<typeof addRuleSchema>;

/** `UpdateRuleReq` (spec 05 §3.10.4): the subject and the scope do not change; select and where go together. */
export const updateRuleSchema = z
  .object({
    rule_name: ruleName.optional(),
    description: z.string().max(256).optional(),
    select: sqlClause.optional(),
    where: sqlClause.optional(),
    active: z.boolean().optional(),
  })
  .refine((u) => (u.select === undefined) === (u.where === undefined), {
    message: 'select and where are sent together ("" clears one)',
    path: ['where'],
  });
export type UpdateRule = z.infer<typeof updateRuleSchema>;

/** `RoutingRule` (spec 05 §3.10.1 response, §3.10.2 items). */
export const routingRuleSchema = z.object({
  rule_id: z.string(),
  rule_name: z.string(),
  description: z.string(),
  subject: z.object({ resource: z.string(), event: z.string() }),
  app_type: z.enum(['GLOBAL', 'APP']),
  app_id: z.string().nullable(),
  select: z.string(),
  where: z.string(),
  active: z.boolean(),
});

/** `ListRoutingRulesRequest` filters (spec 05 §3.10.2); paging is read separately. */
export const listRulesQuerySchema = z.looseObject({
  resource: z.enum(resources).optional(),
  event: z.string().optional(),
  app_type: z.enum(['GLOBAL', 'APP']).optional(),
  app_id: appId.optional(),
  rule_name: z.string().optional(),
  active: z.enum(['true', 'false']).optional(),
});
export type ListRulesQuery = z.infer<typeof listRulesQuerySchema>;

export const listRulesResponseSchema = z.object({
  rules: z.array(routingRuleSchema),
  count: z.number().int(),
  marker: z.string().nullable(),
});
