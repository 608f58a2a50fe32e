import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  type DownlinkRequested,
  type EventEnvelope,
  createEvent,
  deviceDownlinkDeliveredV1,
  gatewayDownlinkTopic,
} from '@nidus/contracts';
import { requestDownlink } from '@nidus/gateway-kit';
import { type Subscription, bySubject } from '@nidus/messaging-core';
import { deviceGatewayMetrics } from '@nidus/platform-observability';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { MqttBrokerService } from './mqtt-broker.service';
import { MQTT_GATEWAY_PARTS, type MqttGatewayParts } from './mqtt-gateway.parts';

/**
 * Takes the downlinks for devices connected to this instance from its own downlink topic (ADR 0010) and writes each to
 * the device's connection. One past its `expire_time` is dropped: the application was already told it timed out. One
 * for a device that is no longer here (it moved or left) is dropped too; a caller waiting for it times out. A downlink
 * that asks for a receipt gets one on `iot.device.downlink-delivered.v1` either way.
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
    this.subscription = await this.runtime.bus.subscribe(
      bySubject({
        topic,
        group: 'mqtt-gateway',
        handler: async (event) => {
          const { data } = event;
          const outcome =
            Date.parse(data.expire_time) <= this.runtime.clock.now()
              ? 'expired'
              : (await this.broker.deliver(data.device_id, requestDownlink(data)))
                ? 'delivered'
                : 'not-connected';
          metrics.downlinks.inc({ protocol: 'mqtt', kind: data.kind, outcome });
          if (outcome !== 'delivered')
            this.runtime.logger.info(
              { deviceId: data.device_id, kind: data.kind, requestId: data.request_id, outcome },
              'downlink not delivered',
            );
          if (data.receipt) await this.receipt(event, outcome);
        },
      }),
    );
  }

  /** The receipt a message or an asynchronous command asked for: its status follows from it (spec 03 §5.2, §5.4). */
  private receipt(
    request: EventEnvelope<DownlinkRequested>,
    outcome: 'delivered' | 'not-connected' | 'expired',
  ) {
    const { device_id, kind, request_id } = request.data;
    return this.runtime.bus.publish(deviceDownlinkDeliveredV1, [
      createEvent({
        type: deviceDownlinkDeliveredV1.type,
        source: this.parts.instance.source,
        subject: device_id,
        tenant: request.tenant,
        ...(request.appid === undefined ? {} : { appid: request.appid }),
        data: { device_id, kind, request_id, outcome },
      }),
    ]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }
}
