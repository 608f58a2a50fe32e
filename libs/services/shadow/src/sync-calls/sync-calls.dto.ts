import { z } from 'zod';

const serviceId = z.string().min(1).max(64);
const jsonObject = z.record(z.string(), z.unknown());

/** `DeviceCommandRequest` (spec 05 §3.5.1). */
export const commandRequestSchema = z.object({
  service_id: serviceId.optional(),
  command_name: z.string().min(1).max(128).optional(),
  paras: jsonObject,
});
export type CommandRequest = z.infer<typeof commandRequestSchema>;

/** `DevicePropertiesRequest` (spec 05 §3.6.2). */
export const propertiesSetSchema = z.object({
  services: z
    .array(z.object({ service_id: serviceId, properties: jsonObject }))
    .min(1)
    .max(500),
});
export type PropertiesSet = z.infer<typeof propertiesSetSchema>;

/** `ListPropertiesRequest` query (spec 05 §3.6.1). */
export const propertiesQuerySchema = z.object({ service_id: serviceId });
export type PropertiesQuery = z.infer<typeof propertiesQuerySchema>;

/** `CreateCommandResponse` (spec 05 §3.5.1). */
export const commandResponseSchema = z.object({ command_id: z.string(), response: jsonObject });

/** `ListPropertiesResponse` / `UpdatePropertiesResponse` (spec 05 §3.6). */
export const propertiesResponseSchema = z.object({ request_id: z.string(), response: jsonObject });
