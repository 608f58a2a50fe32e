import { randomBytes } from 'node:crypto';

/** `[A-Za-z0-9_-]` identifiers of spec 05 §1.8. */
export const identifierPattern = /^[A-Za-z0-9_-]+$/;

/** The device id the platform assigns when the request names none (spec 02 §2.3): `{product_id}_{node_id}`. */
export function defaultDeviceId(productId: string, nodeId: string): string {
  return `${productId}_${nodeId}`;
}

/** A platform-generated device secret: 32 hex characters (spec 02 §2.3), valid for every protocol. */
export function generateDeviceSecret(): string {
  return randomBytes(16).toString('hex');
}
