import { z } from 'zod';

/** `CreateAccessCodeRequestBody` (spec 05 §3.11.5). */
export const createAccessCodeSchema = z.object({
  type: z.enum(['AMQP', 'MQTT']).default('AMQP'),
  force_disconnect: z.boolean().default(false),
});
export type CreateAccessCode = z.infer<typeof createAccessCodeSchema>;

/** `CreateAccessCodeResponse`: the access code is shown this once. */
export const accessCodeSchema = z.object({ access_key: z.string(), access_code: z.string() });
export type AccessCodeView = z.infer<typeof accessCodeSchema>;
