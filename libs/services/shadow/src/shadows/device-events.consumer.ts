import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  deviceDownlinkDeliveredV1,
  deviceLifecycleChangedV1,
  devicePropertyReportedV1,
  deviceShadowRequestedV1,
  deviceStatusChangedV1,
} from '@nidus/contracts';
import { type Subscription, bySubject } from '@nidus/messaging-core';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AsyncCommandsService, asyncCommandPrefix } from '../async-commands/async-commands.service';
import { MessagesService } from '../messages/messages.service';
import { SHADOW_PARTS, type ShadowParts, shadowGroup } from '../shadow.parts';
import { ShadowService } from './shadow.service';

/**
 * What the shadow service learns from devices: where each one is online (status events, ADR 0010) — when it comes
 * online it gets its undelivered desired values, cached messages and commands —, what it reports (into the reported sections),
 * its shadow gets, the gateways' receipts for messages and commands, its creation (the initial shadow) and its deletion.
 */
@Injectable()
export class DeviceEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
    private readonly shadows: ShadowService,
    private readonly messages: MessagesService,
    private readonly commands: AsyncCommandsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { bus } = this.runtime;
    const group = shadowGroup;
    this.subscriptions.push(
      await bus.subscribe(
        bySubject({
          topic: deviceStatusChangedV1,
          group,
          handler: async (event) => {
            const deviceId = event.data.notify_data.header.device_id;
            const { status } = event.data.notify_data.body;
            await this.parts.presence.apply(deviceId, status, event.source);
            if (status !== 'ONLINE') return;
            const access = await this.parts.directory.device(deviceId);
            if (!access || access.project_id !== event.tenant) return; // deleted meanwhile
            await this.shadows.deviceOnline(access);
            await this.messages.deviceOnline(access);
            await this.commands.deviceOnline(access);
          },
        }),
      ),
      await bus.subscribe(
        bySubject({
          topic: devicePropertyReportedV1,
          group,
          handler: async (event) => this.shadows.noteReported(event),
        }),
      ),
      await bus.subscribe(
        bySubject({
          topic: deviceShadowRequestedV1,
          group,
          handler: (event) => this.shadows.answerDeviceGet(event),
        }),
      ),
      await bus.subscribe(
        bySubject({
          topic: deviceDownlinkDeliveredV1,
          group,
          handler: ({ tenant, data }) =>
            data.request_id.startsWith(asyncCommandPrefix)
              ? this.commands.receipt(tenant, data)
              : this.messages.receipt(tenant, data),
        }),
      ),
      await bus.subscribe(
        bySubject({
          topic: deviceLifecycleChangedV1,
          group,
          handler: async ({ tenant, data }) => {
            if (data.event === 'delete')
              await this.shadows.deviceDeleted(tenant, data.notify_data.header.device_id);
            else if (data.event === 'create')
              await this.shadows.deviceCreated(tenant, data.notify_data.body.device_id);
          },
        }),
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }
}
