import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createEvent, defineTopic, newTraceparent } from '@nidus/contracts';
import { describeEventBusContract } from '@nidus/testing';
import { z } from 'zod';
import { KafkaEventBus } from './kafka-bus';

// Runs against the real Kafka 4 broker that `tools/infra/infra.sh up kafka` starts (KAFKA_BROKERS).
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:29092').split(',');
const connect = () =>
  KafkaEventBus.connect({ brokers, clientId: `contract-${randomUUID().slice(0, 6)}`, partitions: 3 });

describeEventBusContract('Apache Kafka via kafkajs', () => ({ open: connect }));

describe('KafkaEventBus on the wire', () => {
  it('writes CloudEvents binary-mode headers, the traceparent and the device id as key', async () => {
    const bus = await connect();
    const topic = defineTopic({
      name: `iot.test-${randomUUID().slice(0, 8)}.wire-checked.v1`,
      type: 'nidus.test.wire.checked.v1',
      schema: z.object({ v: z.number() }),
      description: 'wire test',
    });
    const event = createEvent({
      type: topic.type,
      source: 'nidus/test',
      subject: 'device-1',
      tenant: 't1',
      appid: 'app-1',
      traceparent: newTraceparent(),
      data: { v: 1 },
    });
    await bus.publish(topic, [event]);
    await bus.close();

    // Read it back with a plain kafkajs consumer, as any Kafka tool would see it.
    const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({
      groupId: `raw-${randomUUID()}`,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic.name], fromBeginning: true });
    const message = await new Promise<{ key: string; value: string; headers: Record<string, string> }>(
      (resolve) => {
        void consumer.run({
          eachMessage: async ({ message: m }) =>
            resolve({
              key: m.key?.toString() ?? '',
              value: m.value?.toString() ?? '',
              headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
            }),
        });
      },
    );
    await consumer.disconnect();

    expect(message.key).toBe('device-1');
    expect(JSON.parse(message.value)).toEqual({ v: 1 });
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: 'nidus/test',
      ce_type: 'nidus.test.wire.checked.v1',
      ce_time: event.time,
      ce_subject: 'device-1',
      ce_tenant: 't1',
      ce_appid: 'app-1',
      traceparent: event.traceparent,
      'content-type': 'application/json',
    });
  });
});
