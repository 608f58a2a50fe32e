import { isUtf8 } from 'node:buffer';
import { formatCompactUtc, parseCompactUtc } from '@nidus/contracts';
import type { DeviceAccess, ProductAccess } from '@nidus/contracts';

/** The device an uplink is about, with its product: the connected device itself, or one of its sub-devices. */
export interface DeviceContext {
  readonly access: DeviceAccess;
  readonly product: ProductAccess;
}

/** A message for the device, sent on its connection (a reply such as time sync, or an error event). */
export interface Downlink {
  readonly topic: string;
  readonly payload: Buffer;
}

/** Why an uplink was not turned into bus events; each is counted and logged by its name. */
export type UplinkRejection =
  | 'topic-not-allowed'
  | 'payload-too-large'
  | 'invalid-json'
  | 'invalid-payload'
  | 'model-mismatch'
  | 'not-a-sub-device'
  | 'unknown-event'
  | 'binary-without-codec';

export type UplinkOutcome =
  | {
      readonly accepted: true;
      readonly replies: readonly Downlink[];
      /** Parts left out (a service failing the model, a batch entry for a stranger): logged, not fatal. */
      readonly problems: readonly string[];
    }
  | {
      readonly accepted: false;
      readonly reason: UplinkRejection;
      readonly detail: string;
      readonly replies: readonly Downlink[];
    };

export function rejected(
  reason: UplinkRejection,
  detail: string,
  replies: readonly Downlink[] = [],
): UplinkOutcome {
  return { accepted: false, reason, detail, replies };
}

const isoMillis = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;

/** A device's event time in UTC compact: compact or ISO-ms accepted; missing or unreadable → `now` (Errata E16). */
export function normaliseEventTime(value: string | undefined, now: number): string {
  if (value !== undefined) {
    if (parseCompactUtc(value) !== undefined) return value;
    if (isoMillis.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return formatCompactUtc(ms);
    }
  }
  return formatCompactUtc(now);
}

/** The IoTDA push header of a device (spec 03 §6.3). */
export function notifyHeaderOf(access: DeviceAccess) {
  return {
    app_id: access.app_id,
    device_id: access.device_id,
    node_id: access.node_id,
    product_id: access.product_id,
    gateway_id: access.gateway_id,
  };
}

/** The origin fields of Nidus device events (libs/contracts device-events). */
export function originOf(access: DeviceAccess, gatewayId: string, now: number) {
  return {
    device_id: access.device_id,
    gateway_id: gatewayId,
    product_id: access.product_id,
    received_time: formatCompactUtc(now),
  };
}

/** The JSON object of a payload (UTF-8, RFC 8259), or not-ok. */
export function parseJsonObject(
  payload: Buffer,
): { ok: true; value: Record<string, unknown> } | { ok: false } {
  if (!isUtf8(payload)) return { ok: false };
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return { ok: true, value: value as Record<string, unknown> };
  } catch {
    // answered below
  }
  return { ok: false };
}
