import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { deviceLifecycleChangedV1, productLifecycleChangedV1 } from '@nidus/contracts';
import type { Subscription } from '@nidus/messaging-core';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { MqttBrokerService } from './mqtt-broker.service';
import { MQTT_GATEWAY_PARTS, type MqttGatewayParts } from './mqtt-gateway.parts';

const group = 'mqtt-gateway';
const channel = 'registry-changes';

type Change =
  | { kind: 'device'; device_id: string; disconnect: boolean }
  | { kind: 'product'; project: string; app_id: string; product_id: string };

/**
 * Keeps every gateway instance in step with the registry: a device or product change (from the registry's lifecycle
 * events, consumed once per deployment) is broadcast to all instances through the session store; each forgets its
 * cached copy, and the instance holding a frozen or deleted device's connection closes it.
 */
@Injectable()
export class RegistryChangesConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly closers: { close(): Promise<void> }[] = [];

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MQTT_GATEWAY_PARTS) private readonly parts: MqttGatewayParts,
    private readonly broker: MqttBrokerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const store = await this.runtime.sessions();
    this.closers.push(await store.subscribe(channel, (message) => this.apply(message)));
    const broadcast = (change: Change) => store.publish(channel, JSON.stringify(change));
    const subscriptions: Subscription[] = [
      await this.runtime.bus.subscribe({
        topic: deviceLifecycleChangedV1,
        group,
        handler: async ({ data }) => {
          if (data.event === 'create') return;
          const deviceId =
            data.event === 'delete' ? data.notify_data.header.device_id : data.notify_data.body.device_id;
          const disconnect = data.event === 'delete' || data.notify_data.body.status === 'FROZEN';
          await broadcast({ kind: 'device', device_id: deviceId, disconnect });
        },
      }),
      await this.runtime.bus.subscribe({
        topic: productLifecycleChangedV1,
        group,
        handler: async (event) => {
          const { body } = event.data.notify_data;
          await broadcast({
            kind: 'product',
            project: event.tenant,
            app_id: body.app_id,
            product_id: body.product_id,
          });
        },
      }),
    ];
    this.closers.push(...subscriptions);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.closers.map((c) => c.close()));
  }

  private apply(message: string): void {
    let change: Change;
    try {
      change = JSON.parse(message) as Change;
    } catch {
      return;
    }
    if (change.kind === 'device') {
      this.parts.directory.forgetDevice(change.device_id);
      if (change.disconnect) this.broker.disconnect(change.device_id, 'frozen-or-deleted');
    } else if (change.kind === 'product') {
      this.parts.directory.forgetProduct(change.project, change.app_id, change.product_id);
    }
  }
}
