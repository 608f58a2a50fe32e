import type { SessionStore } from '@nidus/persistence-core';
import { deploymentTenant } from '@nidus/contracts';

const tenant = deploymentTenant; // device ids are unique in the deployment (spec 02 §2.3)
const keyOf = (deviceId: string) => `presence:${deviceId}`;

/**
 * Which gateway instance holds each online device, as this service learns it from the devices' status events: the
 * `source` of an ONLINE event is the instance (`nidus/<gateway>/<instance>.<boot>`); any other status removes the
 * device. Kept in the session store, so every instance of the service sees what one of them consumed (ADR 0010).
 */
export class DevicePresence {
  constructor(private readonly store: SessionStore) {}

  /** A device's status changed; `source` is the event's, the gateway instance for ONLINE. */
  async apply(deviceId: string, status: string, source: string): Promise<void> {
    if (status === 'ONLINE') await this.store.set(tenant, keyOf(deviceId), source);
    else await this.store.delete(tenant, keyOf(deviceId));
  }

  /** The source of the gateway instance holding the device, or undefined while it is not online. */
  holderOf(deviceId: string): Promise<string | undefined> {
    return this.store.get(tenant, keyOf(deviceId));
  }
}
