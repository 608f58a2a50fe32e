import { type ServiceName } from '@nidus/platform-config';
import { ProcessHost, type ServiceFactory, configOrExit } from '@nidus/platform-runtime';
import { createAmqpPush } from '@nidus/service-amqp-push';
import { createApi } from '@nidus/service-api';
import { createDeviceRegistry } from '@nidus/service-device-registry';
import { createMqttGateway } from '@nidus/service-mqtt-gateway';
import { createRuleEngine } from '@nidus/service-rule-engine';
import { createShadow } from '@nidus/service-shadow';

// Nidus in one process: every service (or the NIDUS_SERVICES subset) as its own Nest application over shared
// adapters — embedded ones by default (README.md, "Configuration"). The API service is the front door: its port
// (API_HTTP_PORT, 8080) answers /health for the whole process.
const services: Partial<Record<ServiceName, ServiceFactory>> = {
  'device-registry': createDeviceRegistry,
  shadow: createShadow, // before the gateways: it learns which devices come online from their status events
  'mqtt-gateway': createMqttGateway,
  'amqp-push': createAmqpPush,
  'rule-engine': createRuleEngine,
  api: createApi, // last: it starts taking requests once the services behind it are up
};

async function main(): Promise<void> {
  const names = Object.keys(services) as ServiceName[];
  const config = configOrExit(process.env, { defaultServices: names, defaultHttpPorts: { api: 8080 } });
  const host = await ProcessHost.start(config);
  for (const name of names.filter((n) => config.services.includes(n))) {
    await host.serve(name, services[name]!, { frontDoor: name === 'api', internal: name !== 'api' });
  }
  host.announce();
}

void main();
