import { z } from 'zod';
import { compactTime } from '@nidus/platform-iotda-http';
import { commandStatuses } from './async-command.schema';

/** `AsyncDeviceCommandRequest` (spec 05 §3.5.2). */
export const createAsyncCommandSchema = z.object({
  service_id: z.string().min(1).max(64).optional(),
  command_name: z.string().min(1).max(128).optional(),
  paras: z
    .record(z.string(), z.unknown())
    .refine((p) => Buffer.byteLength(JSON.stringify(p)) <= 32 * 1024, 'at most 32 KB serialised'),
  expire_time: z.number().int().min(0).max(172_800).default(86_400),
  send_strategy: z.enum(['immediately', 'delay']),
});
export type CreateAsyncCommand = z.infer<typeof createAsyncCommandSchema>;

/** The filters of the queue, history and count queries (spec 05 §3.5.4–§3.5.6); paging is `markerPagingOf`. */
export const commandFiltersSchema = z.looseObject({
  start_time: compactTime.optional(),
  end_time: compactTime.optional(),
  status: z.enum(commandStatuses).optional(),
  command_name: z.string().min(1).max(128).optional(),
});
export type CommandFilters = z.infer<typeof commandFiltersSchema>;

/** `ShowAsyncDeviceCommandResponse` (spec 05 §3.5.3), also the create answer. */
export const asyncCommandSchema = z.object({
  device_id: z.string(),
  command_id: z.string(),
  service_id: z.string().optional(),
  command_name: z.string().optional(),
  paras: z.record(z.string(), z.unknown()),
  expire_time: z.number().int(),
  send_strategy: z.enum(['immediately', 'delay']),
  status: z.enum(commandStatuses),
  result: z.record(z.string(), z.unknown()).optional(),
  created_time: z.string(),
  sent_time: z.string().optional(),
  delivered_time: z.string().optional(),
  response_time: z.string().optional(),
});
