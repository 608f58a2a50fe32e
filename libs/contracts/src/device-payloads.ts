import { z } from 'zod';

// What IoTDA devices send on their system topics (spec 01 §4), validated once in the gateway codec (STYLE rule 5).
// Unknown fields are kept: devices built for IoTDA send extras, and the platform passes model data through.

const id = z.string().min(1).max(128);
const serviceId = z.string().min(1).max(64);
/** UTC compact or UTC ISO-ms (spec 01 Errata E16); the gateway normalises it to compact. */
const deviceTime = z.string().max(32);
/**
 * A JSON object of named values, checked against the product model afterwards. Not `z.record`: that re-validates
 * every key (always a string in JSON) and copies the object: 6 % of the uplink pipeline's CPU (bench:mqtt).
 */
const properties = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'expected an object',
);

const serviceProperties = z.object({
  service_id: serviceId,
  properties,
  event_time: deviceTime.optional(),
});

/** T5 `properties/report` (spec 01 §4.7.1). */
export const propertyReportPayloadSchema = z.object({ services: z.array(serviceProperties).min(1) });
export type PropertyReportPayload = z.infer<typeof propertyReportPayloadSchema>;

/** Most sub-devices in one gateway batch report over MQTT (spec 01 §4.7.2, Errata E19). */
export const maxGatewayBatchDevices = 100;

/** T6 `gateway/sub_devices/properties/report` (spec 01 §4.7.2). */
export const gatewayPropertyReportPayloadSchema = z.object({
  devices: z
    .array(z.object({ device_id: id, services: z.array(serviceProperties).min(1) }))
    .min(1)
    .max(maxGatewayBatchDevices),
});
export type GatewayPropertyReportPayload = z.infer<typeof gatewayPropertyReportPayloadSchema>;

/** One entry of an `events/up` or `events/down` envelope (spec 01 §4.0). */
export const serviceEventSchema = z.object({
  service_id: serviceId,
  event_type: z.string().min(1).max(64),
  event_time: deviceTime.optional(),
  event_id: z.string().max(64).optional(),
  paras: properties.optional(),
});
export type ServiceEvent = z.infer<typeof serviceEventSchema>;

/** T13 `events/up` (spec 01 §4.0): absent or empty `services` is a no-op. */
export const eventEnvelopePayloadSchema = z.object({
  object_device_id: id.optional(),
  services: z.array(serviceEventSchema).optional(),
});
export type EventEnvelopePayload = z.infer<typeof eventEnvelopePayloadSchema>;

/** T4 command response (spec 01 §4.9): absent `result_code` means success. */
export const commandResponsePayloadSchema = z.object({
  result_code: z.number().int().optional(),
  response_name: z.string().max(128).optional(),
  paras: properties.optional(),
});

/** T8 property-set response (spec 01 §4.7.3). */
export const propertiesSetResponsePayloadSchema = z.object({
  result_code: z.number().int().optional(),
  result_desc: z.string().max(1024).optional(),
});

/** T10 property-get response (spec 01 §4.7.4). */
export const propertiesGetResponsePayloadSchema = z.object({
  services: z.array(serviceProperties).optional(),
});

/** T11 shadow get request (spec 01 §4.7.5); the body may be empty. */
export const shadowGetPayloadSchema = z.object({
  object_device_id: id.optional(),
  service_id: serviceId.optional(),
});

/** `$time_sync` / `time_sync_request` paras (spec 01 §4.3.1): the device clock, epoch ms. */
export const timeSyncRequestParasSchema = z.object({ device_send_time: z.number().int().nonnegative() });

/** `$sdk_info` / `sdk_info_report` paras (spec 01 §4.2). */
export const deviceInfoParasSchema = z.object({
  device_sdk_version: z.string().max(256).optional(),
  sw_version: z.string().max(256).optional(),
  fw_version: z.string().max(256).optional(),
});

/** `$log` / `log_report` paras (spec 01 §4.1.2). */
export const logReportParasSchema = z.object({
  timestamp: z.string().max(32).optional(),
  type: z.enum(['DEVICE_STATUS', 'DEVICE_PROPERTY', 'DEVICE_MESSAGE', 'DEVICE_COMMAND']),
  content: z.string(),
});
