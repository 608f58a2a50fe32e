import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { deviceDownlinkRespondedV1 } from '@nidus/contracts';
import { type Subscription, bySubject } from '@nidus/messaging-core';
import { syncCallMetrics } from '@nidus/platform-observability';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AsyncCommandsService, asyncCommandPrefix } from '../async-commands/async-commands.service';
import { SHADOW_PARTS, type ShadowParts, shadowDeliveryPrefix, shadowGroup } from '../shadow.parts';

/**
 * Device answers to commands and property sets and gets, from the bus to the pending request or asynchronous command
 * they end. The answer to a delivery of desired values ends nothing: the device's next report confirms the values
 * (spec 02 §4.4).
 */
@Injectable()
export class DownlinkResponsesConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
    private readonly commands: AsyncCommandsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const metrics = syncCallMetrics(this.runtime.metrics);
    this.subscription = await this.runtime.bus.subscribe(
      bySubject({
        topic: deviceDownlinkRespondedV1,
        group: shadowGroup,
        handler: async ({ tenant, data }) => {
          if (data.request_id.startsWith(shadowDeliveryPrefix)) {
            metrics.answers.inc({ kind: data.kind, outcome: 'shadow-delivery' });
            if (data.body['result_code'] !== undefined && data.body['result_code'] !== 0)
              this.runtime.logger.info(
                { deviceId: data.device_id, body: data.body },
                'device refused desired values; they stay pending',
              );
            return;
          }
          const outcome = data.request_id.startsWith(asyncCommandPrefix)
            ? await this.commands.response(tenant, data)
            : await this.parts.pending.answer(data);
          metrics.answers.inc({ kind: data.kind, outcome });
          if (outcome !== 'completed')
            this.runtime.logger.warn(
              { deviceId: data.gateway_id, kind: data.kind, requestId: data.request_id, outcome },
              'device answer completes no request',
            );
        },
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
