import { z } from 'zod';
import { logReportParasSchema } from '@nidus/contracts';

/** `GET /devices/{device_id}/logs` filters (a Nidus extension, docs/api/v5.md "Device logs"). */
export const listDeviceLogsQuerySchema = z.object({
  type: logReportParasSchema.shape.type.optional(),
});
export type ListDeviceLogsQuery = z.infer<typeof listDeviceLogsQuerySchema>;

/** One stored device log entry (spec 01 §4.1.2 `paras`, with when it was reported and received). */
export const deviceLogSchema = z.object({
  log_id: z.string(),
  device_id: z.string(),
  type: logReportParasSchema.shape.type,
  content: z.string(),
  timestamp: z.string().nullable(),
  event_time: z.string(),
  received_time: z.string(),
});
