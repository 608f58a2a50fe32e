import { ProcessHost, configOrExit } from '@nidus/platform-runtime';
import { createShadow } from '@nidus/service-shadow';

// The distributed shape's shadow process: this one service, its adapters chosen by configuration
// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.
async function main(): Promise<void> {
  const config = configOrExit(process.env, {
    defaultServices: ['shadow'],
    defaultHttpPorts: { shadow: 8080 },
  });
  const host = await ProcessHost.start(config);
  await host.serve('shadow', createShadow, { frontDoor: true });
  host.announce();
}

void main();
