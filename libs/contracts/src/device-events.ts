import { z } from 'zod';
import { compactUtcSchema } from './iotda-push';
import { deviceInfoParasSchema, logReportParasSchema } from './device-payloads';
import { downlinkRequestKinds } from './gateway-events';

// Bus data of device uplinks IoTDA defines no push body for (ARCHITECTURE §5). `device_id` is the device the data
// is about (a sub-device when a gateway sent it); `gateway_id` the directly connected device that sent it.

const origin = {
  device_id: z.string(),
  gateway_id: z.string(),
  product_id: z.string(),
  /** When the gateway received it, compact UTC. */
  received_time: compactUtcSchema,
};

/** An `events/up` entry for the service that owns its `service_id` (spec 01 §3.3). */
export const deviceEventReportedSchema = z.object({
  ...origin,
  service_id: z.string(),
  event_type: z.string(),
  event_time: compactUtcSchema,
  event_id: z.string().optional(),
  paras: z.record(z.string(), z.unknown()),
});
export type DeviceEventReported = z.infer<typeof deviceEventReportedSchema>;

/** `$sdk_info` / `sdk_info_report` (spec 01 §4.2): the versions the device runs. */
export const deviceInfoReportedSchema = z.object({ ...origin, paras: deviceInfoParasSchema });
export type DeviceInfoReported = z.infer<typeof deviceInfoReportedSchema>;

/** `$log` / `log_report` (spec 01 §4.1.2): one device log entry. */
export const deviceLogReportedSchema = z.object({
  ...origin,
  event_time: compactUtcSchema,
  paras: logReportParasSchema,
});
export type DeviceLogReported = z.infer<typeof deviceLogReportedSchema>;

/** A device answered a command, a property set or a property get (spec 01 §4.7.3, §4.7.4, §4.9). */
export const downlinkRespondedSchema = z.object({
  ...origin,
  kind: z.enum(downlinkRequestKinds),
  request_id: z.string(),
  body: z.record(z.string(), z.unknown()),
});
export type DownlinkResponded = z.infer<typeof downlinkRespondedSchema>;

/** A device asked for its shadow (spec 01 §4.7.5); the answer goes down with the same request id. */
export const shadowRequestedSchema = z.object({
  ...origin,
  request_id: z.string(),
  service_id: z.string().optional(),
});
export type ShadowRequested = z.infer<typeof shadowRequestedSchema>;
