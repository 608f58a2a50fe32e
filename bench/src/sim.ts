import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './args';
import { register } from './bench-devices';
import { type Target, agent } from './nidus-target';
import { simServices } from './sim/application';
import { Fleet, sleep } from './sim/fleet';
import type { Endpoint } from './sim/sim-device';

// `npm run sim -- …`: simulated IoTDA devices against a running Nidus (docs/reliability.md). It registers `devices`
// devices of a new product through the v5 API, connects them over MQTT with IoTDA's client ids and HMAC passwords, and
// has them report (property reports and device messages, each with a per-device sequence number) at `rate` a second
// in all; they answer every command and come back after a jittered back-off when their connection drops, to the next
// gateway in `mqtt`. Every 10 s it prints what the devices saw.
// Arguments (name=value or --name value):
//   api=http://127.0.0.1:8080  credentials=./data/credentials.json (or project=, ak=, sk=)
//   mqtt=127.0.0.1:1883[,host:port…]  devices=1000  rate=500  messages=0.2  window=16  connect-rate=500  minutes=1

const args = parseArgs();

function target(): Target {
  const creds = args['project']
    ? { project_id: args['project'], access_key: args['ak'] ?? '', secret_key: args['sk'] ?? '' }
    : (JSON.parse(
        readFileSync(args['credentials'] ?? join(process.cwd(), 'data', 'credentials.json'), 'utf8'),
      ) as Record<string, string>);
  return {
    base: args['api'] ?? 'http://127.0.0.1:8080',
    project: creds['project_id']!,
    accessKey: creds['access_key']!,
    secretKey: creds['secret_key']!,
    stop: async () => undefined,
  };
}

async function main(): Promise<void> {
  const endpoints: Endpoint[] = (args['mqtt'] ?? '127.0.0.1:1883').split(',').map((hp) => {
    const [host, port] = hp.split(':');
    return { host: host!, port: Number(port) };
  });
  const devices = Number(args['devices'] ?? 1_000);
  const minutes = Number(args['minutes'] ?? 1);
  const logins = await register(target(), devices, Date.now() % 1e9, simServices);
  const fleet = new Fleet({
    endpoints,
    logins,
    rate: Number(args['rate'] ?? 500),
    messageShare: Number(args['messages'] ?? 0.2),
    window: Number(args['window'] ?? 16),
    connectRate: Number(args['connect-rate'] ?? 500),
  });
  await fleet.connect();
  fleet.run();
  console.log(`sim — ${devices} devices on ${endpoints.map((e) => `${e.host}:${e.port}`).join(', ')}`);
  const start = Date.now();
  while (Date.now() - start < minutes * 60_000) {
    await sleep(10_000);
    const puback = fleet.takeLatencies();
    const back = fleet.takeReconnects();
    const refused = [...fleet.refusals].map(([code, n]) => `${code}×${n}`).join(' ') || '0';
    console.log(
      `  ${((Date.now() - start) / 1000).toFixed(0).padStart(5)} s  online ${fleet.online}  sent ${fleet.sent}  ` +
        `acked ${fleet.ackCount}  deferred ${fleet.deferred}  PUBACK p50 ${puback.p50.toFixed(1)} ms ` +
        `p99 ${puback.p99.toFixed(1)} ms  drops ${fleet.drops}  reconnects ${back.count} (max ${back.max.toFixed(0)} ms)  ` +
        `CONNACK refusals ${refused}  commands ${fleet.commands.delivered}`,
    );
  }
  fleet.pause();
  const settled = await fleet.settled(30_000);
  console.log(`  stopped: ${fleet.ackCount} of ${fleet.sent} acked${settled ? '' : ' (some never were)'}`);
  fleet.stop();
  agent.destroy();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
