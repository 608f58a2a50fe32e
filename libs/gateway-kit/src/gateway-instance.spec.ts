import { type EventEnvelope, type GatewayInstanceAlive, gatewayInstanceAliveV1 } from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import { silentLogger } from '@nidus/ports';
import { GatewayInstance } from './gateway-instance';

describe('GatewayInstance', () => {
  const published: { topic: string; event: EventEnvelope<GatewayInstanceAlive> }[] = [];
  let busDown = false;
  const bus = {
    publish: async (topic: { name: string }, events: EventEnvelope<GatewayInstanceAlive>[]) => {
      if (busDown) throw new Error('bus down');
      for (const event of events) published.push({ topic: topic.name, event });
    },
  } as unknown as EventBus;

  beforeEach(() => {
    published.length = 0;
    busDown = false;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('names itself per boot and says it is alive at start and every interval until stopped', async () => {
    const a = new GatewayInstance(bus, 'mqtt-gateway', 'host-1', 5_000, silentLogger);
    const b = new GatewayInstance(bus, 'mqtt-gateway', 'host-1', 5_000, silentLogger);
    expect(a.source).toMatch(/^nidus\/mqtt-gateway\/host-1\.[0-9a-f]{8}$/);
    expect(b.source).not.toBe(a.source); // a restarted process is another instance

    await a.start();
    expect(published).toHaveLength(1);
    expect(published[0]!.topic).toBe(gatewayInstanceAliveV1.name);
    expect(published[0]!.event).toMatchObject({
      type: gatewayInstanceAliveV1.type,
      source: a.source,
      subject: a.source,
      tenant: 'instance',
      data: { interval_ms: 5_000 },
    });
    expect(gatewayInstanceAliveV1.schema.safeParse(published[0]!.event.data).success).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(published).toHaveLength(3);
    a.stop();
    await jest.advanceTimersByTimeAsync(20_000);
    expect(published).toHaveLength(3);
  });

  it('tells the gateway when a heartbeat gets through after a gap the registry may have judged it by', async () => {
    const instance = new GatewayInstance(bus, 'mqtt-gateway', 'host-1', 1_000, silentLogger);
    let resumed = 0;
    instance.onResumed(() => resumed++);
    await instance.start();
    await jest.advanceTimersByTimeAsync(2_000); // beats on time: no gap
    expect(resumed).toBe(0);
    busDown = true;
    await jest.advanceTimersByTimeAsync(3_000); // three heartbeats lost
    busDown = false;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(resumed).toBe(1);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(resumed).toBe(1); // on time again
    instance.stop();
  });
});
