import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an IoTDA ClientId `{device_id}_{id_type}_{sign_type}_{timestamp}` carries (IoTDA guide §2.1.2.11). */
export interface ClientId {
  readonly deviceId: string;
  /** 0: HMAC-SHA256, timestamp not checked; 1: HMAC-SHA256, timestamp checked. */
  readonly signType: 0 | 1;
  /** `YYYYMMDDHH`, UTC; also the HMAC key. Not necessarily a calendar hour (spec 01 §2.6.2). */
  readonly timestamp: string;
}

/** String(256) per field (IoTDA guide §2.1.2.11). */
export const maxConnectFieldLength = 256;

// Parsed from the right: a device id may itself contain underscores (spec 01 §2.6.2).
const clientIdPattern = /^(.+)_0_([01])_(\d{10})$/;

/** The parts of a ClientId, or undefined when it is not in the IoTDA format (CONNACK 0x02). */
export function parseClientId(clientId: string): ClientId | undefined {
  if (clientId.length > maxConnectFieldLength) return undefined;
  const match = clientIdPattern.exec(clientId);
  if (!match) return undefined;
  return { deviceId: match[1]!, signType: match[2] === '1' ? 1 : 0, timestamp: match[3]! };
}

/** lowercase hex HMAC-SHA256, keyed with the ClientId timestamp, of the device secret (spec 01 §2.6.3). */
export function devicePassword(secret: string, timestamp: string): string {
  return createHmac('sha256', timestamp).update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison; upper-case hex is accepted too (spec 01 §2.6.3 [Rec]). */
export function passwordMatches(expectedHex: string, presented: string): boolean {
  const a = Buffer.from(expectedHex, 'utf8');
  const b = Buffer.from(presented.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether a sign-type-1 timestamp is consistent with the platform clock: its hour, read as a number of hours, lies
 * within `windowH` hours of now (spec 01 §2.6.4 [Rec]). Read as a count rather than a date, because the official C
 * SDK increments the 10 digits as a decimal number when its digest holds a zero byte (`2024010123` → `2024010124`).
 */
export function timestampWithinWindow(timestamp: string, nowMs: number, windowH: number): boolean {
  const now = new Date(nowMs);
  const hourNumber =
    now.getUTCFullYear() * 1_000_000 +
    (now.getUTCMonth() + 1) * 10_000 +
    now.getUTCDate() * 100 +
    now.getUTCHours();
  const presented = Number(timestamp);
  if (!Number.isSafeInteger(presented)) return false;
  // Around midnight or a month end the decimal distance jumps (…2023 → …0100); compare calendar hours there.
  const calendar = calendarHourMs(timestamp);
  if (calendar !== undefined && Math.abs(calendar - hourStartMs(nowMs)) <= windowH * 3_600_000) return true;
  return presented >= hourNumber - windowH && presented <= hourNumber + windowH;
}

function hourStartMs(ms: number): number {
  return ms - (ms % 3_600_000);
}

function calendarHourMs(timestamp: string): number | undefined {
  const [y, mo, d, h] = [0, 4, 6, 8].map((i, n) => Number(timestamp.slice(i, n === 0 ? 4 : i + 2)));
  const ms = Date.UTC(y!, mo! - 1, d, h);
  const back = new Date(ms);
  return back.getUTCHours() === h && back.getUTCDate() === d ? ms : undefined;
}
