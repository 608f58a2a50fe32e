import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createEvent, defineTopic } from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import { KafkaEventBus } from '@nidus/messaging-kafka';
import { MemoryEventBus } from '@nidus/messaging-memory';

// Event bus throughput: how many events a second each adapter acknowledges (durably) and delivers.
// Load shape: `devices` concurrent publishers, each publishing one ~300-byte event at a time (as gateways do per
// device uplink), until `total` events are acknowledged; one consumer group receives them.
// Usage: npm run bench:bus [-- total=20000 devices=200 kafka=127.0.0.1:29092]

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const total = Number(args['total'] ?? 20_000);
const devices = Number(args['devices'] ?? 200);
const kafkaBrokers = args['kafka'] ?? process.env['KAFKA_BROKERS'];

const topic = defineTopic({
  name: `iot.bench-${Date.now()}.thing-happened.v1`,
  type: 'nidus.bench.thing.happened.v1',
  schema: z.object({ seq: z.number(), payload: z.string() }),
  description: 'benchmark events',
});

async function run(name: string, bus: EventBus): Promise<void> {
  let received = 0;
  let done!: () => void;
  const allReceived = new Promise<void>((r) => (done = r));
  await bus.subscribe({
    topic,
    group: 'bench',
    handler: async () => {
      if (++received === total) done();
    },
  });
  const payload = 'x'.repeat(200);
  let next = 0;
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: devices }, async (_, d) => {
      while (next < total) {
        const seq = next++;
        const t0 = process.hrtime.bigint();
        await bus.publish(topic, [
          createEvent({
            type: topic.type,
            source: 'bench',
            subject: `device-${d}`,
            tenant: 't',
            data: { seq, payload },
          }),
        ]);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const ackedS = Number(process.hrtime.bigint() - started) / 1e9;
  await allReceived;
  const deliveredS = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
  console.log(
    `${name.padEnd(26)} ${String(Math.round(total / ackedS)).padStart(8)} acked/s ${String(Math.round(total / deliveredS)).padStart(8)} delivered/s   publish p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms`,
  );
  await bus.close();
}

async function main(): Promise<void> {
  console.log(`event bus: ${total} events, ${devices} concurrent publishers, one consumer group`);
  const dir = mkdtempSync(join(tmpdir(), 'nidus-bench-'));
  try {
    await run('in-process (volatile)', await MemoryEventBus.open());
    await run('in-process (journaled)', await MemoryEventBus.open({ dataDir: dir }));
    if (kafkaBrokers) {
      await run(
        'kafka (acks=all)',
        await KafkaEventBus.connect({ brokers: kafkaBrokers.split(','), clientId: 'bench', partitions: 6 }),
      );
    } else {
      console.log('kafka: skipped (set KAFKA_BROKERS or kafka=host:port; tools/infra/infra.sh up kafka)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
