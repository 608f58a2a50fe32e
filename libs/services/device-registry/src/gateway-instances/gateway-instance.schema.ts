/**
 * A device gateway instance as the registry knows it (`registry_gateway_instances`, tenant `instance`, id = the
 * instance's CloudEvents source, `nidus/<gateway>/<instance id>.<boot id>`).
 */
export interface StoredGatewayInstance {
  /** Its newest heartbeat (or device it reported online), ms since epoch by its own clock. */
  readonly last_seen: number;
  /** How often it says it is alive, ms. */
  readonly interval_ms: number;
  /** The projects of the devices it reported online: where to look for them when it is gone. */
  readonly projects: readonly string[];
}
