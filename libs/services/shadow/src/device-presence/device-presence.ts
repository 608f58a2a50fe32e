import { type Logger } from '@nidus/ports';
import { deviceStatusChangedV1 } from '@nidus/contracts';
import type { EventBus, Subscription } from '@nidus/messaging-core';
import type { SessionStore } from '@nidus/persistence-core';

const tenant = 'instance'; // device ids are unique in the deployment (spec 02 §2.3)
const keyOf = (deviceId: string) => `presence:${deviceId}`;

/**
 * Which gateway instance holds each online device, as this service learns it from the devices' status events: the
 * `source` of an ONLINE event is the instance (`nidus/<gateway>/<instance>.<boot>`); any other status removes the
 * device. Kept in the session store, so every instance of the service sees what one of them consumed.
 */
export class DevicePresence {
  private subscription: Subscription | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly logger: Logger,
  ) {}

  async start(bus: EventBus, group: string): Promise<void> {
    this.subscription = await bus.subscribe({
      topic: deviceStatusChangedV1,
      group,
      handler: async (event) => {
        const deviceId = event.data.notify_data.header.device_id;
        if (event.data.notify_data.body.status === 'ONLINE')
          await this.store.set(tenant, keyOf(deviceId), event.source);
        else await this.store.delete(tenant, keyOf(deviceId));
        this.logger.debug({ deviceId, status: event.data.notify_data.body.status }, 'device presence');
      },
    });
  }

  /** The source of the gateway instance holding the device, or undefined while it is not online. */
  holderOf(deviceId: string): Promise<string | undefined> {
    return this.store.get(tenant, keyOf(deviceId));
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }
}
