import { z } from 'zod';

const section = z.object({
  properties: z.record(z.string(), z.unknown()),
  event_time: z.string().optional(),
});

/** `DeviceShadowData` (spec 05 §3.4.1). */
export const shadowEntrySchema = z.object({
  service_id: z.string(),
  desired: section,
  reported: section,
  version: z.number().int(),
});

/** `ShowDeviceShadowResponse` (spec 05 §3.4.1), also the answer of an update. */
export const deviceShadowSchema = z.object({ device_id: z.string(), shadow: z.array(shadowEntrySchema) });

/** `UpdateDesireds` (spec 05 §3.4.2): per service the flat desired map, and the version last seen. */
export const updateDesiredsSchema = z.object({
  shadow: z
    .array(
      z.object({
        service_id: z.string().min(1).max(64),
        desired: z.record(z.string(), z.unknown()),
        version: z.number().int().min(0).optional(),
      }),
    )
    .min(1)
    .max(500),
});
export type UpdateDesireds = z.infer<typeof updateDesiredsSchema>;
