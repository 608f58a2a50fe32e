import { z } from 'zod';
import { amqpQueueNameSchema } from '@nidus/contracts';

/** Every channel of the SDKs (spec 05 §3.10); the ones Nidus forwards to are `supportedChannels`. */
export const channels = [
  'HTTP_FORWARDING',
  'DIS_FORWARDING',
  'OBS_FORWARDING',
  'AMQP_FORWARDING',
  'DMS_KAFKA_FORWARDING',
  'ROMA_FORWARDING',
  'INFLUXDB_FORWARDING',
  'MYSQL_FORWARDING',
  'FUNCTIONGRAPH_FORWARDING',
  'MRS_KAFKA_FORWARDING',
  'DMS_ROCKETMQ_FORWARDING',
  'MQTT_DEVICE_FORWARDING',
] as const;
export type Channel = (typeof channels)[number];
export const supportedChannels: readonly Channel[] = ['HTTP_FORWARDING', 'AMQP_FORWARDING'];

/** `HttpForwarding` (spec 05 Appendix A): where to POST, and how to check the server. */
export const httpForwardingSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, normalize: false })
      .max(2_048)
      .refine((u) => !/[\s]/.test(u), 'no whitespace'),
    cert_id: z.string().max(64).optional(),
    cn_name: z.string().max(256).optional(),
    sni_enable: z.boolean().default(false),
    signature_enable: z.boolean().default(false),
    token: z.string().max(32).optional(),
    /**
     * Nidus extension (spec 03 §6.5 [IMPL]): attempts per push (the first included, at most 3), `backoff_ms` before
     * the second and doubled before the third. Without it a push is tried once, as IoTDA's.
     */
    retry: z
      .object({
        max_attempts: z.number().int().min(1).max(3),
        backoff_ms: z.number().int().min(10).max(60_000).default(1_000),
      })
      .optional(),
    /** Nidus extension (spec 03 §6.5 [IMPL]): any 2xx answer is success, not only 200. */
    accept_any_2xx: z.boolean().optional(),
  })
  .refine((h) => !h.sni_enable || h.cn_name !== undefined, {
    message: 'cn_name is required when sni_enable is true',
    path: ['cn_name'],
  })
  .refine((h) => !h.signature_enable || h.token !== undefined, {
    message: 'token is required when signature_enable is true',
    path: ['token'],
  });

export type HttpForwarding = z.infer<typeof httpForwardingSchema>;

/** `AmqpForwarding`: a queue of the project (amqp-push checks that it exists). */
export const amqpForwardingSchema = z.object({ queue_name: amqpQueueNameSchema });

/** `ChannelDetail`: exactly the member of the channel; members of other channels are refused by name. */
export const channelDetailSchema = z.looseObject({
  http_forwarding: httpForwardingSchema.optional(),
  amqp_forwarding: amqpForwardingSchema.optional(),
});
export type ChannelDetail = z.infer<typeof channelDetailSchema>;

const ruleId = z
  .string()
  .min(1)
  .max(36)
  .regex(/^[A-Za-z0-9_-]+$/);

/** `AddActionReq` (spec 05 §3.10.6). */
export const addActionSchema = z.object({
  rule_id: ruleId,
  channel: z.enum(channels),
  channel_detail: channelDetailSchema,
});
export type AddAction = z.infer<typeof addActionSchema>;

/** `UpdateActionReq` (spec 05 §3.10.9): a new channel comes with its detail. */
export const updateActionSchema = z
  .object({ channel: z.enum(channels).optional(), channel_detail: channelDetailSchema.optional() })
  .refine((u) => u.channel === undefined || u.channel_detail !== undefined, {
    message: 'a new channel needs its channel_detail',
    path: ['channel_detail'],
  });
export type UpdateAction = z.infer<typeof updateActionSchema>;

/** `RoutingRuleAction` (spec 05 §3.10.6 response). */
export const ruleActionSchema = z.object({
  action_id: z.string(),
  rule_id: z.string(),
  app_id: z.string().nullable(),
  channel: z.enum(channels),
  channel_detail: channelDetailSchema,
});

/** `ListRuleActionsRequest` filters (spec 05 §3.10.7); paging is read separately. */
export const listActionsQuerySchema = z.looseObject({
  rule_id: ruleId.optional(),
  channel: z.enum(channels).optional(),
  app_type: z.enum(['GLOBAL', 'APP']).optional(),
  app_id: z.string().max(36).optional(),
});
export type ListActionsQuery = z.infer<typeof listActionsQuerySchema>;

/** A push that was not delivered (Nidus extension): why, after how many attempts, and what it carried. */
export const deadLetterSchema = z.object({
  dead_letter_id: z.string(),
  action_id: z.string(),
  device_id: z.string(),
  url: z.string(),
  reason: z.string(),
  attempts: z.number().int(),
  /** Compact UTC. */
  time: z.string(),
  /** The push body as JSON text, cut at 64 KiB. */
  body: z.string(),
});
export type DeadLetterView = z.infer<typeof deadLetterSchema>;

export const listDeadLettersResponseSchema = z.object({
  dead_letters: z.array(deadLetterSchema),
  count: z.number().int(),
  marker: z.string().nullable(),
});

export const listActionsResponseSchema = z.object({
  actions: z.array(ruleActionSchema),
  count: z.number().int(),
  marker: z.string().nullable(),
});
