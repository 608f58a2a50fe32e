import type { ServiceEvent } from '@nidus/contracts';
import { downlinkTopics } from '@nidus/protocol-iotda-mqtt';
import type { z } from 'zod';
import {
  type DeviceContext,
  type Downlink,
  type UplinkOutcome,
  normaliseEventTime,
  parseJsonObject,
  rejected,
} from './uplink-event';

export type Decoded<T> = { ok: true; value: T } | { ok: false; outcome: UplinkOutcome };

export function decodeJson<T>(payload: Buffer, schema: z.ZodType<T>): Decoded<T> {
  const json = parseJsonObject(payload);
  if (!json.ok)
    return { ok: false, outcome: rejected('invalid-json', 'the payload is not a UTF-8 JSON object') };
  const parsed = schema.safeParse(json.value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, outcome: rejected('invalid-payload', issuesOf(parsed.error)) };
}

export function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

function eventsDown(device: DeviceContext, objectDeviceId: string | undefined, service: object): Downlink {
  const body = {
    ...(objectDeviceId === undefined ? {} : { object_device_id: objectDeviceId }),
    services: [service],
  };
  return {
    topic: downlinkTopics.events(device.access.device_id),
    payload: Buffer.from(JSON.stringify(body)),
  };
}

/** `$time_sync` / `time_sync_response` (spec 01 §4.3.2), echoing the request's `object_device_id`. */
export function timeSyncResponse(
  device: DeviceContext,
  objectDeviceId: string | undefined,
  sent: number,
  received: number,
  now: number,
): Downlink {
  return eventsDown(device, objectDeviceId, {
    service_id: '$time_sync',
    event_type: 'time_sync_response',
    event_time: normaliseEventTime(undefined, now),
    paras: { device_send_time: sent, server_rcv_time: received, server_send_time: now },
  });
}

/**
 * The answer to an `events/up` entry the platform cannot take (unknown pair, paras failing the contract or the
 * model): a Nidus `$error` / `event_rejected` event naming it, so the device learns instead of waiting.
 */
export function errorEvent(
  device: DeviceContext,
  objectDeviceId: string | undefined,
  entry: ServiceEvent,
  problem: string,
  now: number,
): Downlink {
  return eventsDown(device, objectDeviceId, {
    service_id: '$error',
    event_type: 'event_rejected',
    event_time: normaliseEventTime(undefined, now),
    paras: {
      error_code: 'IOTDA.000006',
      error_msg: problem,
      service_id: entry.service_id,
      event_type: entry.event_type,
      ...(entry.event_id === undefined ? {} : { event_id: entry.event_id }),
    },
  });
}
