import { z } from 'zod';
import { parseCompactUtc } from '@nidus/contracts';

// Field rules shared by the v5 request bodies and queries of every service (spec 05 §1.8, Appendix A).

/** `[A-Za-z0-9_-]`, e.g. `device_id` ≤128, `product_id` and `app_id` ≤36, `node_id` 1–64. */
export const identifier = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, _ and -');

/** Names: CJK, letters, digits and `_?'#().,&%@!-` (spec 05 §1.8). */
export const nameText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[\p{Script=Han}A-Za-z0-9_?'#().,&%@!-]*$/u, "only CJK, letters, digits and _?'#().,&%@!-");

/** Free-text descriptions: the name characters plus whitespace and `;，、：；。/`. */
export const descriptionText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(
      /^[\p{Script=Han}A-Za-z0-9_?'#().,;&%@!\s，、：；。/-]*$/u,
      "only CJK, letters, digits, whitespace and _?'#().,;&%@!-，、：；。/",
    );

/** A query-string boolean: `true` or `false` (spec 05 §1.4). */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A compact UTC time filter (spec 05 §1.7), as ms since epoch. */
export const compactTime = z.string().transform((value, ctx) => {
  const ms = parseCompactUtc(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected yyyyMMddTHHmmssZ' });
    return z.NEVER;
  }
  return ms;
});
