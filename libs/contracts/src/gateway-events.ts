import { z } from 'zod';

/** The `tenant` of deployment-wide events such as a gateway's heartbeat, which belong to no project. */
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

/** Every `request_id` downlink: the requests, and the platform's answer to a device's shadow get (spec 01 §4.7.5). */
export const downlinkKinds = [...downlinkRequestKinds, 'shadow-get-response'] as const;
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
  body: z.record(z.string(), z.unknown()),
  /** RFC 3339. */
  expire_time: z.string().datetime({ offset: true }),
});
export type DownlinkRequested = z.infer<typeof downlinkRequestedSchema>;
