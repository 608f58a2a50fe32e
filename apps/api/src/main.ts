import { ProcessHost, configOrExit } from '@nidus/platform-runtime';
import { createApi } from '@nidus/service-api';

// The distributed shape's api process: this one service, its adapters chosen by configuration
// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.
async function main(): Promise<void> {
  const config = configOrExit(process.env, { defaultServices: ['api'], defaultHttpPorts: { api: 8080 } });
  const host = await ProcessHost.start(config);
  await host.serve('api', createApi, { frontDoor: true });
  host.announce();
}

void main();
