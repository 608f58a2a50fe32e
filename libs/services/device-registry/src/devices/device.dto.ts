import { z } from 'zod';
import { deviceObjectSchema } from '@nidus/contracts';
import { compactTime, descriptionText, identifier, nameText, queryBoolean } from '@nidus/platform-iotda-http';

const secret = z
  .string()
  .min(8)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, _ and -');
const fingerprint = z
  .string()
  .regex(/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/, 'a fingerprint is 40 or 64 hexadecimal characters');
const timeout = z.number().int().min(0).max(2_147_483_647);
/** ≤ 1 KB serialised (spec 02 §2.3). */
const extensionInfo = z
  .unknown()
  .refine((v) => Buffer.byteLength(JSON.stringify(v) ?? '') <= 1024, 'at most 1 KB serialised');

/** `AuthInfo` (spec 05 Appendix A). */
const authInfoSchema = z.object({
  auth_type: z.enum(['SECRET', 'CERTIFICATES']).default('SECRET'),
  secret: secret.optional(),
  fingerprint: fingerprint.optional(),
  secure_access: z.boolean().default(true),
  timeout: timeout.default(0),
});

/** `InitialDesired` (spec 05 Appendix A). */
const initialDesiredSchema = z.object({
  service_id: z.string().min(1).max(64),
  desired: z.record(z.string(), z.unknown()),
});

/** `AddDevice` (spec 05 §3.3.1). */
export const addDeviceSchema = z.object({
  device_id: identifier(128).optional(),
  node_id: identifier(64),
  device_name: nameText(256).optional(),
  product_id: identifier(36),
  auth_info: authInfoSchema.optional(),
  description: descriptionText(2048).optional(),
  gateway_id: identifier(128).optional(),
  app_id: identifier(36).optional(),
  extension_info: extensionInfo.optional(),
  shadow: z.array(initialDesiredSchema).max(500).optional(),
});
export type AddDevice = z.infer<typeof addDeviceSchema>;

/** `UpdateDevice` (spec 05 §3.3.4): ids, product and gateway are immutable. */
export const updateDeviceSchema = z.object({
  device_name: nameText(256).optional(),
  description: descriptionText(2048).optional(),
  extension_info: extensionInfo.optional(),
  auth_info: z.object({ secure_access: z.boolean().optional(), timeout: timeout.optional() }).optional(),
});
export type UpdateDevice = z.infer<typeof updateDeviceSchema>;

/** `ListDevicesRequest` filters (spec 05 §3.3.2); paging is read separately. */
export const listDevicesQuerySchema = z.object({
  product_id: identifier(36).optional(),
  gateway_id: identifier(128).optional(),
  is_cascade_query: queryBoolean.default(false),
  node_id: identifier(64).optional(),
  device_name: nameText(256).optional(),
  start_time: compactTime.optional(),
  end_time: compactTime.optional(),
  app_id: identifier(36).optional(),
});
export type ListDevicesQuery = z.infer<typeof listDevicesQuerySchema>;

/** `ResetDeviceSecret` (spec 05 §3.3.6). */
export const resetSecretSchema = z.object({
  secret: secret.optional(),
  force_disconnect: z.boolean().default(false),
  secret_type: z.enum(['PRIMARY', 'SECONDARY']).default('PRIMARY'),
});
export type ResetSecret = z.infer<typeof resetSecretSchema>;

export const resetSecretQuerySchema = z.object({ action_id: z.literal('resetSecret') });

/** `QueryDeviceSimplify` (spec 05 Appendix A): what lists show, never a secret. */
export const deviceSummarySchema = deviceObjectSchema.omit({
  auth_info: true,
  create_time: true,
  extension_info: true,
});
export type DeviceSummaryDto = z.infer<typeof deviceSummarySchema>;

/** `AddDeviceResponse` / `ShowDeviceResponse` (spec 05 §3.3.1, §3.3.3): the push body's device and more. */
export const deviceSchema = deviceObjectSchema.extend({
  /** `AuthInfoRes`: the secret only in the answer to create. */
  auth_info: z.object({
    auth_type: z.enum(['SECRET', 'CERTIFICATES']),
    secret: z.string().optional(),
    fingerprint: z.string().optional(),
    secure_access: z.boolean(),
    timeout: z.number().int(),
  }),
  connection_status_update_time: z.string().nullable(),
  active_time: z.string().nullable(),
  modules: z.array(z.object({ module_name: z.string(), module_version: z.string() })),
});
export type DeviceDto = z.infer<typeof deviceSchema>;

/** `ResetDeviceSecretResponse` (spec 05 §3.3.6). */
export const resetSecretResponseSchema = z.object({
  device_id: z.string(),
  secret: z.string(),
  secret_type: z.enum(['PRIMARY', 'SECONDARY']),
});
