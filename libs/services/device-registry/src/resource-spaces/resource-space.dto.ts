import { z } from 'zod';
import { nameText, queryBoolean } from '@nidus/platform-iotda-http';

/** `AddApplication` (spec 05 §3.1.1). */
export const addApplicationSchema = z.object({ app_name: nameText(64).min(1) });
export type AddApplication = z.infer<typeof addApplicationSchema>;

/** `UpdateApplicationDTO` (spec 05 §3.1.4): only the name is mutable. */
export const updateApplicationSchema = z.object({ app_name: nameText(64).min(1).optional() });
export type UpdateApplication = z.infer<typeof updateApplicationSchema>;

/** `ShowApplicationsRequest` query (spec 05 §3.1.2). */
export const listApplicationsQuerySchema = z.object({ default_app: queryBoolean.optional() });

/** `ApplicationDTO` (spec 05 Appendix A). */
export const applicationSchema = z.object({
  app_id: z.string(),
  app_name: z.string(),
  create_time: z.string(),
  default_app: z.boolean(),
});
export type ApplicationDto = z.infer<typeof applicationSchema>;
