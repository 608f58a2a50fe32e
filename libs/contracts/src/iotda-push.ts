import { z } from 'zod';

// IoTDA subscription push bodies (spec 03 §6.3–6.4). Where IoTDA defines a push body for an event, the bus event's
// `data` is that body, so HTTP/AMQP forwarding is a pass-through (ARCHITECTURE §5).

const headerField = z.string().max(256); // spec 03 §6.3 [EXT]: every header field ≤ 256 characters

export const tagSchema = z.object({ tag_key: z.string(), tag_value: z.string() });

export const notifyHeaderSchema = z.object({
  app_id: headerField.optional(),
  device_id: headerField,
  node_id: headerField.optional(),
  product_id: headerField.optional(),
  gateway_id: headerField.optional(),
  tags: z.array(tagSchema).max(10).optional(),
});

/** Compact UTC, e.g. 20200811T080745Z (spec 03 §6.3). */
export const compactUtcSchema = z.string().regex(/^\d{8}T\d{6}Z$/, 'expected compact UTC yyyyMMddTHHmmssZ');

function pushEnvelope<R extends string, E extends string, B extends z.ZodType>(
  resource: R,
  event: E,
  body: B,
) {
  return z.object({
    resource: z.literal(resource),
    event: z.literal(event),
    event_time: compactUtcSchema,
    event_time_ms: z.string().optional(),
    request_id: z.string().optional(),
    notify_data: z.object({ header: notifyHeaderSchema, body }),
  });
}

/** `device.property` / `report`: one entry per reported service (spec 03 §6.4.5). */
export const propertyReportPushSchema = pushEnvelope(
  'device.property',
  'report',
  z.object({
    services: z.array(
      z.object({
        service_id: z.string().min(1).max(64),
        properties: z.record(z.string(), z.unknown()),
        event_time: compactUtcSchema.optional(),
      }),
    ),
  }),
);
export type PropertyReportPush = z.infer<typeof propertyReportPushSchema>;

/** `device.message` / `report` (spec 03 §6.4.3). */
export const messageReportPushSchema = pushEnvelope(
  'device.message',
  'report',
  z.object({
    topic: z.string(),
    content: z.unknown(),
    content_encoding: z.literal('base64').optional(),
    message_id: z.string().optional(),
    name: z.string().optional(),
  }),
);
export type MessageReportPush = z.infer<typeof messageReportPushSchema>;

/** `device.status` / `update` (spec 03 §6.4.4). */
export const statusUpdatePushSchema = pushEnvelope(
  'device.status',
  'update',
  z.object({
    status: z.enum(['ONLINE', 'OFFLINE', 'ABNORMAL', 'INACTIVE', 'FROZEN']),
    last_online_time: compactUtcSchema.optional(),
  }),
);
export type StatusUpdatePush = z.infer<typeof statusUpdatePushSchema>;

/** `device.command.status` / `update` (spec 03 §6.4.1). */
export const commandStatusPushSchema = pushEnvelope(
  'device.command.status',
  'update',
  z.object({
    command_id: z.string(),
    created_time: compactUtcSchema,
    sent_time: z.union([compactUtcSchema, z.literal('')]),
    delivered_time: z.union([compactUtcSchema, z.literal('')]),
    response_time: z.union([compactUtcSchema, z.literal('')]),
    status: z.enum(['PENDING', 'EXPIRED', 'SENT', 'DELIVERED', 'SUCCESSFUL', 'FAILED', 'TIMEOUT']),
    result: z.object({ resultCode: z.string(), resultDetail: z.unknown() }).nullable(),
  }),
);
export type CommandStatusPush = z.infer<typeof commandStatusPushSchema>;

/** `device.message.status` / `update` (spec 03 §6.4.2, nested form). */
export const messageStatusPushSchema = pushEnvelope(
  'device.message.status',
  'update',
  z.object({
    message_id: z.string(),
    name: z.string().optional(),
    topic: z.string().optional(),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'TIMEOUT']),
    timestamp: compactUtcSchema,
  }),
);
export type MessageStatusPush = z.infer<typeof messageStatusPushSchema>;

const nullableText = z.string().nullable().optional();

/** The device object of `device` / `create` and `update` pushes (spec 03 §6.4.7): never a secret. */
export const deviceObjectSchema = z.object({
  app_id: z.string(),
  app_name: z.string(),
  device_id: z.string(),
  node_id: z.string(),
  gateway_id: z.string(),
  device_name: nullableText,
  node_type: z.enum(['ENDPOINT', 'GATEWAY', 'UNKNOWN']),
  description: nullableText,
  fw_version: nullableText,
  sw_version: nullableText,
  device_sdk_version: nullableText,
  auth_info: z.strictObject({
    auth_type: z.enum(['SECRET', 'CERTIFICATES']),
    secure_access: z.boolean(),
    timeout: z.number().int(),
  }),
  product_id: z.string(),
  product_name: z.string(),
  status: z.enum(['ONLINE', 'OFFLINE', 'ABNORMAL', 'INACTIVE', 'FROZEN']),
  create_time: compactUtcSchema,
  tags: z.array(tagSchema),
  extension_info: z.unknown().optional(),
});
export type DeviceObject = z.infer<typeof deviceObjectSchema>;

/**
 * `device` / `create` | `update` | `delete` (spec 03 §6.4.7): create and update carry the device object and no
 * header; delete identifies the device in the header and has an empty body.
 */
export const deviceLifecyclePushSchema = z.discriminatedUnion('event', [
  z.object({
    resource: z.literal('device'),
    event: z.enum(['create', 'update']),
    event_time: compactUtcSchema,
    notify_data: z.object({ body: deviceObjectSchema }),
  }),
  z.object({
    resource: z.literal('device'),
    event: z.literal('delete'),
    event_time: compactUtcSchema,
    notify_data: z.object({ header: notifyHeaderSchema, body: z.object({}) }),
  }),
]);
export type DeviceLifecyclePush = z.infer<typeof deviceLifecyclePushSchema>;

/** The product object of `product` pushes (spec 03 §6.4.8), the model included. */
export const productObjectSchema = z.object({
  app_id: z.string(),
  app_name: z.string(),
  product_id: z.string(),
  name: z.string(),
  device_type: z.string(),
  protocol_type: z.string(),
  data_format: z.enum(['json', 'binary']),
  manufacturer_name: nullableText,
  industry: nullableText,
  description: nullableText,
  service_capabilities: z.array(z.record(z.string(), z.unknown())),
  create_time: compactUtcSchema,
});
export type ProductObject = z.infer<typeof productObjectSchema>;

/** `product` / `create` | `update` | `delete` (spec 03 §6.4.8): the product object, no header. */
export const productLifecyclePushSchema = z.object({
  resource: z.literal('product'),
  event: z.enum(['create', 'update', 'delete']),
  event_time: compactUtcSchema,
  notify_data: z.object({ body: productObjectSchema }),
});
export type ProductLifecyclePush = z.infer<typeof productLifecyclePushSchema>;

/**
 * An AMQP queue's name: up to 128 letters, digits, `_`, `-`, `|` (spec 03 §6.6), `.` and `:` (spec 05 §3.11.1, whose
 * example is `app.queue.01`): what either page allows, so that no name IoTDA accepts is refused.
 */
export const amqpQueueNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_|.:-]+$/, 'letters, digits and _ - | . :');

/** An AMQP queue as another service checks it (amqp-push, internal). */
export const amqpQueueAccessSchema = z.object({ queue_id: z.string(), queue_name: z.string() });
export type AmqpQueueAccess = z.infer<typeof amqpQueueAccessSchema>;

/** Whether any rule action forwards to a queue (rule-engine, internal). */
export const amqpQueueUseSchema = z.object({ in_use: z.boolean() });
export type AmqpQueueUse = z.infer<typeof amqpQueueUseSchema>;

/**
 * A routing rule's result for an AMQP queue (ADR 0011): the rule engine publishes it, amqp-push keeps it in the
 * project's queue until a consumer settles it.
 */
export const amqpForwardedSchema = z.object({
  queue_name: amqpQueueNameSchema,
  /** The message body: the push envelope after the rule's SELECT, as JSON text (spec 03 §6.7.5). */
  body: z.string(),
  resource: z.string(),
  event: z.string(),
  /** The forwarded event's id: the AMQP message-id. */
  request_id: z.string(),
  device_id: z.string().optional(),
  app_id: z.string().optional(),
});
export type AmqpForwarded = z.infer<typeof amqpForwardedSchema>;
