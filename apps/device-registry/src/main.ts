import { ProcessHost, configOrExit } from '@nidus/platform-runtime';
import { createDeviceRegistry } from '@nidus/service-device-registry';

// The distributed shape's device-registry process: this one service, its adapters chosen by configuration
// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.
async function main(): Promise<void> {
  const config = configOrExit(process.env, {
    defaultServices: ['device-registry'],
    defaultHttpPorts: { 'device-registry': 8080 },
  });
  const host = await ProcessHost.start(config);
  await host.serve('device-registry', createDeviceRegistry, { frontDoor: true });
  host.announce();
}

void main();
