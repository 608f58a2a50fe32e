import { z } from 'zod';

/**
 * The `tenant` of what belongs to no project: deployment-wide events such as a gateway's heartbeat, and the records and
 * session keys services keep across projects (a device id index, device sessions, pending requests, deadlines).
 */
export const deploymentTenant = 'instance';

/** Heartbeats an instance may lag the newest heartbeat of any instance before the registry takes it as gone. */
export const gatewayMissedHeartbeats = 3;

/**
 * A device gateway instance is alive: it says so every `interval_ms` (`NIDUS_GATEWAY_HEARTBEAT_MS`). The event's
 * `source` and `subject` name the instance, `nidus/<gateway>/<instance id>.<boot id>`, the `source` of every event it
 * publishes for its devices. The registry takes an instance `gatewayMissedHeartbeats` intervals behind the newest
 * heartbeat of any instance as gone (a crash, a kill, a lost host) and reports the devices it held offline.
 */
export const gatewayInstanceAliveSchema = z.object({
  interval_ms: z.number().int().positive(),
});
export type GatewayInstanceAlive = z.infer<typeof gatewayInstanceAliveSchema>;

/** What a device is asked on a `request_id` topic and answers on its response topic (spec 01 §4.7.3, §4.7.4, §4.9). */
export const downlinkRequestKinds = ['command', 'properties-set', 'properties-get'] as const;
export type DownlinkRequestKind = (typeof downlinkRequestKinds)[number];

/**
 * Every downlink a gateway delivers for another service: the requests, the platform's answer to a device's shadow get
 * (spec 01 §4.7.5), and a message (spec 01 §4.8.2) — on `sys/messages/down` or the topic the request names.
 */
export const downlinkKinds = [...downlinkRequestKinds, 'shadow-get-response', 'message'] as const;
export type DownlinkKind = (typeof downlinkKinds)[number];

/**
 * A `request_id` message for one device, sent to the gateway instance that holds its connection: the gateway publishes
 * `body` on the kind's topic (spec 01 §4.7.3–§4.7.5, §4.9) unless `expire_time` has passed (the caller no longer waits:
 * a late command must not run). A device's answer to a request comes back on `iot.device.downlink-responded.v1`.
 */
export const downlinkRequestedSchema = z.object({
  device_id: z.string(),
  kind: z.enum(downlinkKinds),
  request_id: z.string(),
  /** The JSON object the device receives, unless `payload_base64` gives the exact bytes. */
  body: z.record(z.string(), z.unknown()),
  /** A message's bytes as they are to be sent (a raw or custom-topic message, spec 05 §3.7.1). */
  payload_base64: z.string().optional(),
  /** A message's topic when it is not `sys/messages/down`: under `$oc/devices/{device_id}/user/`, or a full name. */
  topic: z.string().optional(),
  /** Whether the sender wants a receipt on `iot.device.downlink-delivered.v1` (messages, asynchronous commands). */
  receipt: z.boolean().optional(),
  /** RFC 3339. */
  expire_time: z.string().datetime({ offset: true }),
});
export type DownlinkRequested = z.infer<typeof downlinkRequestedSchema>;

/** What became of a downlink that asks for a receipt: handed to the device's session, or why not. */
export const downlinkOutcomes = ['delivered', 'not-connected', 'expired'] as const;

/** A gateway's receipt for a downlink that asked for one (spec 03 §5.4: DELIVERED once handed to the session). */
export const downlinkDeliveredSchema = z.object({
  device_id: z.string(),
  kind: z.enum(downlinkKinds),
  request_id: z.string(),
  outcome: z.enum(downlinkOutcomes),
});
export type DownlinkDelivered = z.infer<typeof downlinkDeliveredSchema>;
