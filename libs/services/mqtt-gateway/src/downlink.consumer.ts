import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { gatewayDownlinkTopic } from '@nidus/contracts';
import { requestDownlink } from '@nidus/gateway-kit';
import type { Subscription } from '@nidus/messaging-core';
import { deviceGatewayMetrics } from '@nidus/platform-observability';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { MqttBrokerService } from './mqtt-broker.service';
import { MQTT_GATEWAY_PARTS, type MqttGatewayParts } from './mqtt-gateway.parts';

/**
 * Takes the requests for devices connected to this instance from its own downlink topic (ADR 0010) and writes each to
 * the device's connection. A request past its `expire_time` is dropped: the application was already told it timed out.
 * One for a device that is no longer here (it moved or left) is dropped too; the caller's wait ends in a timeout.
 */
@Injectable()
export class DownlinkConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription: Subscription | undefined;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(MQTT_GATEWAY_PARTS) private readonly parts: MqttGatewayParts,
    private readonly broker: MqttBrokerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { source } = this.parts.instance;
    const topic = gatewayDownlinkTopic(source);
    if (!topic) throw new Error(`gateway instance source ${source} names no downlink topic`);
    const metrics = deviceGatewayMetrics(this.runtime.metrics);
    this.subscription = await this.runtime.bus.subscribe({
      topic,
      group: 'mqtt-gateway',
      handler: async ({ data }) => {
        const count = (outcome: string) =>
          metrics.downlinks.inc({ protocol: 'mqtt', kind: data.kind, outcome });
        if (Date.parse(data.expire_time) <= this.runtime.clock.now()) return count('expired');
        const sent = await this.broker.deliver(data.device_id, requestDownlink(data));
        count(sent ? 'sent' : 'not-connected');
        if (!sent)
          this.runtime.logger.info(
            { deviceId: data.device_id, kind: data.kind, requestId: data.request_id },
            'downlink for a device not connected here dropped',
          );
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
