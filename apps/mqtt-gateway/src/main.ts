import { ProcessHost, configOrExit } from '@nidus/platform-runtime';
import { createMqttGateway } from '@nidus/service-mqtt-gateway';

// The distributed shape's mqtt-gateway process: this one service, its adapters chosen by configuration
// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.
async function main(): Promise<void> {
  const config = configOrExit(process.env, {
    defaultServices: ['mqtt-gateway'],
    defaultHttpPorts: { 'mqtt-gateway': 8080 },
  });
  const host = await ProcessHost.start(config);
  await host.serve('mqtt-gateway', createMqttGateway, { frontDoor: true });
  host.announce();
}

void main();
