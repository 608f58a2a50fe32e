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
