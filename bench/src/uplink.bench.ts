import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceAccess, ProductAccess } from '@nidus/contracts';
import { type DeviceDirectory, UplinkPipeline } from '@nidus/gateway-kit';
import { MemoryEventBus } from '@nidus/messaging-memory';
import { parseUplinkTopic } from '@nidus/protocol-iotda-mqtt';
import { meterReport, meterServices } from './meter-product';

// CPU per uplink of the shared device pipeline (gateway-kit) and the in-process bus, without sockets or MQTT: what
// `npm run bench:mqtt` spends per message beyond aedes. CPU time (process.cpuUsage, the journal's threads included)
// is steadier than rates on a shared machine. Load: `devices` devices, each handing the pipeline one ~200-byte QoS 1
// property report at a time, as the gateway does per PUBACK.
// Usage: npm run bench:uplink [-- total=100000 devices=200]

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const total = Number(args['total'] ?? 100_000);
const devices = Number(args['devices'] ?? 200);

const product: ProductAccess = {
  project_id: 'bench',
  product_id: 'meter',
  app_id: 'app',
  protocol_type: 'MQTT',
  data_format: 'json',
  service_capabilities: meterServices,
};

const payload = Buffer.from(meterReport);

async function run(name: string, bus: MemoryEventBus): Promise<void> {
  // Only sub-device lookups reach the directory; a property report of the device itself never does.
  const directory = {} as DeviceDirectory;
  const pipeline = new UplinkPipeline({ bus, directory, clock: { now: () => Date.now() }, source: 'bench' });
  const contexts = Array.from({ length: devices }, (_, i) => {
    const access: DeviceAccess = {
      device_id: `meter_m${i}`,
      project_id: 'bench',
      app_id: 'app',
      product_id: 'meter',
      node_id: `m${i}`,
      gateway_id: `meter_m${i}`,
      direct: true,
      frozen: false,
      auth_type: 'SECRET',
      secure_access: false,
    };
    return {
      device: { access, product },
      topic: parseUplinkTopic(`$oc/devices/${access.device_id}/sys/properties/report`)!,
    };
  });
  const pass = async (count: number) => {
    let next = 0;
    await Promise.all(
      contexts.map(async ({ device, topic }) => {
        while (next < count) {
          next++;
          const outcome = await pipeline.handle(device, topic, payload, Date.now());
          if (!outcome.accepted) throw new Error(`refused: ${outcome.detail}`);
        }
      }),
    );
  };
  await pass(Math.min(total, 20_000)); // warm-up: JIT, caches
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await pass(total);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  console.log(
    `${name.padEnd(26)} ${((used.user + used.system) / total).toFixed(1).padStart(6)} µs CPU per uplink (${(used.system / total).toFixed(1)} system)   ${String(Math.round(total / seconds)).padStart(7)} uplinks/s`,
  );
  await bus.close();
}

async function main(): Promise<void> {
  console.log(`uplink pipeline: ${total} property reports from ${devices} devices, one in flight each`);
  const dir = mkdtempSync(join(tmpdir(), 'nidus-bench-uplink-'));
  try {
    // Started at once: while the bus starts it keeps events nobody consumes (ADR 0002), which a running gateway does not.
    await run('in-process bus (volatile)', await MemoryEventBus.open({ startupMs: 0 }));
    await run('in-process bus (journaled)', await MemoryEventBus.open({ dataDir: dir, startupMs: 0 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
