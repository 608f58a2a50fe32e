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
