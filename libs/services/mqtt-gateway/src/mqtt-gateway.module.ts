import { Module } from '@nestjs/common';
import { IotdaHttpModule } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { DownlinkConsumer } from './downlink.consumer';
import { MqttBrokerService } from './mqtt-broker.service';
import { MQTT_GATEWAY_PARTS, makeMqttGatewayParts } from './mqtt-gateway.parts';
import { MqttListenersService } from './mqtt-listeners.service';
import { RegistryChangesConsumer } from './registry-changes.consumer';

/** Root module of the mqtt-gateway service: IoTDA MQTT/MQTTS/WebSocket device access (spec 01 §2–§4). */
@Module({
  imports: [IotdaHttpModule],
  providers: [
    {
      provide: MQTT_GATEWAY_PARTS,
      useFactory: (runtime: ServiceRuntime) => makeMqttGatewayParts(runtime),
      inject: [SERVICE_RUNTIME],
    },
    MqttBrokerService,
    MqttListenersService,
    RegistryChangesConsumer,
    DownlinkConsumer,
  ],
})
export class MqttGatewayModule {}
