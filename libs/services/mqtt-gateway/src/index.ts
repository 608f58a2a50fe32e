export { MqttGatewayModule } from './mqtt-gateway.module';
export { createMqttGateway } from './mqtt-gateway.bootstrap';
