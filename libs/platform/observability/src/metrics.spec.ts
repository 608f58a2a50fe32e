import { createMetricsRegistry } from './metrics';

describe('createMetricsRegistry', () => {
  it("reports V8's resident heap beside the default process metrics", async () => {
    const registry = createMetricsRegistry({ service: 'test' });
    const text = await registry.metrics();
    const resident = Number(/^nidus_nodejs_heap_resident_bytes\{service="test"\} (\d+)$/m.exec(text)?.[1]);
    const total = Number(/^nidus_nodejs_heap_size_total_bytes\{service="test"\} (\d+)$/m.exec(text)?.[1]);
    expect(resident).toBeGreaterThan(0);
    expect(resident).toBeLessThanOrEqual(total); // resident pages of what V8 committed
    expect(text).toMatch(/^nidus_process_resident_memory_bytes\{service="test"\} \d+$/m);
  });
});
