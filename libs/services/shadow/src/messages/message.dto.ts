import { z } from 'zod';

const messageId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, _ and -');

/** `DeviceMessageRequest` (spec 05 §3.7.1). */
export const createMessageSchema = z
  .object({
    message_id: messageId.optional(),
    name: z.string().min(1).max(128).optional(),
    message: z.unknown().refine((v) => v !== undefined, 'required'),
    encoding: z.enum(['none', 'base64']).default('none'),
    payload_format: z.enum(['standard', 'raw']).default('standard'),
    topic: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_/-]+$/, 'a custom topic suffix: letters, digits, _, - and /')
      .optional(),
    topic_full_name: z.string().min(1).max(128).optional(),
    ttl: z
      .number()
      .int()
      .min(0)
      .max(1440)
      .refine((v) => v % 5 === 0, 'a multiple of 5 minutes')
      .default(1440),
  })
  .refine((m) => m.topic === undefined || m.topic_full_name === undefined, {
    message: 'topic and topic_full_name exclude each other',
    path: ['topic_full_name'],
  })
  .refine((m) => m.encoding === 'none' || typeof m.message === 'string', {
    message: 'a base64 message is a string',
    path: ['message'],
  })
  .refine((m) => m.encoding === 'none' || m.payload_format === 'raw', {
    message: 'payload_format standard needs encoding none',
    path: ['payload_format'],
  });
export type CreateMessage = z.infer<typeof createMessageSchema>;

const result = z.object({
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'TIMEOUT']),
  created_time: z.string(),
  finished_time: z.string().optional(),
});

/** `CreateMessageResponse` (spec 05 §3.7.1). */
export const createMessageResponseSchema = z.object({ message_id: z.string(), result });

/** `ShowDeviceMessageResponse` / `DeviceMessage` (spec 05 §3.7.2–§3.7.3). */
export const deviceMessageSchema = z.object({
  message_id: z.string(),
  name: z.string().optional(),
  message: z.unknown(),
  encoding: z.enum(['none', 'base64']),
  payload_format: z.enum(['standard', 'raw']),
  topic: z.string(),
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'TIMEOUT']),
  error_info: z.object({ error_code: z.string(), error_msg: z.string() }).optional(),
  created_time: z.string(),
  finished_time: z.string().optional(),
});

export const listMessagesResponseSchema = z.object({
  device_id: z.string(),
  messages: z.array(deviceMessageSchema),
});
