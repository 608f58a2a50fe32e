import { ProcessHost, configOrExit } from '@nidus/platform-runtime';
import { createRuleEngine } from '@nidus/service-rule-engine';

// The distributed shape's rule-engine process: this one service, its adapters chosen by configuration
// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.
async function main(): Promise<void> {
  const config = configOrExit(process.env, {
    defaultServices: ['rule-engine'],
    defaultHttpPorts: { 'rule-engine': 8080 },
  });
  const host = await ProcessHost.start(config);
  await host.serve('rule-engine', createRuleEngine, { frontDoor: true });
  host.announce();
}

void main();
