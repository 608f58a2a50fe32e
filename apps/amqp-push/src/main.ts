import { ProcessHost, configOrExit } from '@nidus/platform-runtime';
import { createAmqpPush } from '@nidus/service-amqp-push';

// The distributed shape's amqp-push process: this one service, its adapters chosen by configuration
// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.
async function main(): Promise<void> {
  const config = configOrExit(process.env, {
    defaultServices: ['amqp-push'],
    defaultHttpPorts: { 'amqp-push': 8080 },
  });
  const host = await ProcessHost.start(config);
  await host.serve('amqp-push', createAmqpPush, { frontDoor: true });
  host.announce();
}

void main();
