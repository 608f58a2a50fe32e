import { z } from 'zod';

// The registry's internal answer to the device gateways (ARCHITECTURE §3: a cross-service need through the owning
// service's API). Secrets stay sealed with the deployment's key; the gateway opens one only to check a password.

/** Most device ids in one lookup. */
export const maxDeviceAccessLookup = 500;

export const deviceAccessLookupSchema = z.object({
  device_ids: z.array(z.string().min(1).max(128)).min(1).max(maxDeviceAccessLookup),
});
export type DeviceAccessLookup = z.infer<typeof deviceAccessLookupSchema>;

/** What a gateway needs to admit a device and label its data. */
export const deviceAccessSchema = z.object({
  device_id: z.string(),
  project_id: z.string(),
  app_id: z.string(),
  product_id: z.string(),
  node_id: z.string(),
  /** The gateway of a sub-device; the device itself when it connects directly (spec 05 §3.3). */
  gateway_id: z.string(),
  /** Whether it connects directly (no parent). */
  direct: z.boolean(),
  frozen: z.boolean(),
  auth_type: z.enum(['SECRET', 'CERTIFICATES']),
  secure_access: z.boolean(),
  /** Sealed (SecretBox). */
  secret: z.string().optional(),
  secondary_secret: z.string().optional(),
  fingerprint: z.string().optional(),
  secondary_fingerprint: z.string().optional(),
});
export type DeviceAccess = z.infer<typeof deviceAccessSchema>;

export const deviceAccessAnswerSchema = z.object({ devices: z.array(deviceAccessSchema) });

/** A resource space as another service resolves it (the project's default one when none is named). */
export const resourceSpaceAccessSchema = z.object({ app_id: z.string(), app_name: z.string() });
export type ResourceSpaceAccess = z.infer<typeof resourceSpaceAccessSchema>;

/** A product as a gateway needs it: how its devices encode data and its model, to validate what they send. */
export const productAccessSchema = z.object({
  project_id: z.string(),
  product_id: z.string(),
  app_id: z.string(),
  protocol_type: z.string(),
  data_format: z.enum(['json', 'binary']),
  service_capabilities: z.array(z.unknown()),
});
export type ProductAccess = z.infer<typeof productAccessSchema>;

/**
 * A new device as the shadow service starts its shadow (spec 02 §4.4): the device, and the `shadow` (initial desired
 * values per service) its creation request gave.
 */
export const initialShadowSchema = z.object({
  device: deviceAccessSchema,
  services: z.array(z.object({ service_id: z.string(), desired: z.record(z.string(), z.unknown()) })),
});
export type InitialShadow = z.infer<typeof initialShadowSchema>;
