import { z } from 'zod';

/**
 * Upload of a push CA certificate (spec 03 §6.5.1 [IMPL]; the console's fields): a name, the CA certificate (PEM, or
 * DER in base64) and the `host:port` of the push URLs it is for.
 */
export const addPushCertificateSchema = z.object({
  cert_name: z.string().min(1).max(64).optional(),
  content: z
    .string()
    .min(1)
    .max(64 * 1024),
  domain: z.string().min(1).max(262),
});
export type AddPushCertificate = z.infer<typeof addPushCertificateSchema>;

/** A push CA certificate as the API shows it; its content is not repeated. */
export const pushCertificateSchema = z.object({
  cert_id: z.string(),
  cert_name: z.string(),
  /** `host:port`, lower-case; 443 when the upload gave no port. */
  domain: z.string(),
  /** Subject CN and O of the (first) certificate. */
  cn_name: z.string(),
  owner: z.string(),
  fingerprint_sha256: z.string(),
  /** Compact UTC. */
  create_date: z.string(),
  effective_date: z.string(),
  expiry_date: z.string(),
});
export type PushCertificateView = z.infer<typeof pushCertificateSchema>;

export const listPushCertificatesResponseSchema = z.object({
  certificates: z.array(pushCertificateSchema),
  count: z.number().int(),
  marker: z.string().nullable(),
});
