import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process, created by the app and handed to every service: no global registry
 * (STYLE rule 7). Metrics are shared by name and told apart by the `service` label.
 */
export function createMetricsRegistry(labels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'nidus_' });
  new Gauge({
    name: 'nidus_nodejs_heap_resident_bytes',
    help:
      "V8's heap pages in memory (its physical size): the part of the process's RSS that is the JavaScript heap; " +
      'the rest of its anonymous memory is native (buffers, malloc, stacks)',
    registers: [registry],
    collect() {
      this.set(getHeapStatistics().total_physical_size);
    },
  });
  return registry;
}

/** The metric of that name in the registry, created on first use: services register the same names. */
function getOrCreate<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

export function httpRequestMetrics(registry: Registry) {
  return {
    requests: getOrCreate(
      registry,
      'nidus_http_requests_total',
      () =>
        new Counter({
          name: 'nidus_http_requests_total',
          help: 'HTTP requests served, by service, method, route and status code',
          labelNames: ['service', 'method', 'route', 'status'],
          registers: [registry],
        }),
    ),
    duration: getOrCreate(
      registry,
      'nidus_http_request_duration_seconds',
      () =>
        new Histogram({
          name: 'nidus_http_request_duration_seconds',
          help: 'HTTP request latency in seconds, by service, method and route',
          labelNames: ['service', 'method', 'route'],
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [registry],
        }),
    ),
  };
}

/** What every device gateway counts (ARCHITECTURE §7): connections, connect outcomes, uplinks by kind and outcome. */
export function deviceGatewayMetrics(registry: Registry) {
  return {
    connections: getOrCreate(
      registry,
      'nidus_gateway_connections',
      () =>
        new Gauge({
          name: 'nidus_gateway_connections',
          help: 'Open authenticated device connections, by protocol and transport',
          labelNames: ['protocol', 'transport'],
          registers: [registry],
        }),
    ),
    connects: getOrCreate(
      registry,
      'nidus_gateway_connects_total',
      () =>
        new Counter({
          name: 'nidus_gateway_connects_total',
          help: 'Device connection attempts, by protocol and outcome (accepted or the refusal reason)',
          labelNames: ['protocol', 'outcome'],
          registers: [registry],
        }),
    ),
    uplinks: getOrCreate(
      registry,
      'nidus_gateway_uplinks_total',
      () =>
        new Counter({
          name: 'nidus_gateway_uplinks_total',
          help: 'Device uplink messages, by protocol, kind and outcome (accepted or the rejection reason)',
          labelNames: ['protocol', 'kind', 'outcome'],
          registers: [registry],
        }),
    ),
    disconnects: getOrCreate(
      registry,
      'nidus_gateway_disconnects_total',
      () =>
        new Counter({
          name: 'nidus_gateway_disconnects_total',
          help: 'Device connections closed, by protocol and reason',
          labelNames: ['protocol', 'reason'],
          registers: [registry],
        }),
    ),
    downlinks: getOrCreate(
      registry,
      'nidus_gateway_downlinks_total',
      () =>
        new Counter({
          name: 'nidus_gateway_downlinks_total',
          help: 'Downlinks for devices taken from the bus, by protocol, kind and outcome (delivered, not-connected, expired)',
          labelNames: ['protocol', 'kind', 'outcome'],
          registers: [registry],
        }),
    ),
    publishSeconds: getOrCreate(
      registry,
      'nidus_gateway_bus_publish_seconds',
      () =>
        new Histogram({
          name: 'nidus_gateway_bus_publish_seconds',
          help: 'Time from an uplink being decoded to the bus holding its events durably, in seconds',
          labelNames: ['protocol'],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
          registers: [registry],
        }),
    ),
  };
}
export type DeviceGatewayMetrics = ReturnType<typeof deviceGatewayMetrics>;

/** Per registry, what each gateway protocol reports as its blocked sources. */
const blockedSourceCounts = new WeakMap<Registry, Map<string, () => number>>();

/**
 * `nidus_gateway_blocked_sources{protocol}`: the source addresses a device gateway refuses now for their failed
 * logins, read from `count` at each scrape.
 */
export function watchBlockedSources(registry: Registry, protocol: string, count: () => number): void {
  let counts = blockedSourceCounts.get(registry);
  if (!counts) {
    const perProtocol = new Map<string, () => number>();
    counts = perProtocol;
    blockedSourceCounts.set(registry, perProtocol);
    new Gauge({
      name: 'nidus_gateway_blocked_sources',
      help: 'Source addresses whose connections a device gateway closes now, for their failed logins, by protocol',
      labelNames: ['protocol'],
      registers: [registry],
      collect() {
        for (const [name, read] of perProtocol) this.set({ protocol: name }, read());
      },
    });
  }
  counts.set(protocol, count);
}

/** Synchronous commands, property sets and gets (spec 03 §5.3), and the device answers that end them. */
export function syncCallMetrics(registry: Registry) {
  return {
    calls: getOrCreate(
      registry,
      'nidus_sync_calls_total',
      () =>
        new Counter({
          name: 'nidus_sync_calls_total',
          help: 'Synchronous requests to devices, by kind and outcome (answered, timeout, offline)',
          labelNames: ['kind', 'outcome'],
          registers: [registry],
        }),
    ),
    answers: getOrCreate(
      registry,
      'nidus_sync_call_answers_total',
      () =>
        new Counter({
          name: 'nidus_sync_call_answers_total',
          help: 'Device answers to synchronous requests, by kind and outcome (completed; unknown: late, duplicate or never asked; mismatched: another device; shadow-delivery: an answer to a delivery of desired values)',
          labelNames: ['kind', 'outcome'],
          registers: [registry],
        }),
    ),
  };
}
export type SyncCallMetrics = ReturnType<typeof syncCallMetrics>;

/** Data forwarding (spec 03 §6–§7): rule evaluations and what became of each push. */
export function forwardingMetrics(registry: Registry) {
  return {
    evaluations: getOrCreate(
      registry,
      'nidus_rule_evaluations_total',
      () =>
        new Counter({
          name: 'nidus_rule_evaluations_total',
          help: 'Routing rules evaluated against an event, by outcome (matched, unmatched, failed: the SQL threw)',
          labelNames: ['outcome'],
          registers: [registry],
        }),
    ),
    pushes: getOrCreate(
      registry,
      'nidus_pushes_total',
      () =>
        new Counter({
          name: 'nidus_pushes_total',
          help: 'Pushes to applications, by channel and outcome (delivered; retried: another attempt; failed; blacklisted: the host is in its 5-minute pause; overflow: the action had too many waiting; dead-letter-skipped: not kept, over the 10 a second of its action; queued: handed to amqp-push for its queue; expired: a message of an AMQP queue past its 24 h; evicted: a message of an AMQP queue dropped, oldest first, for the size cap of its project)',
          labelNames: ['channel', 'outcome'],
          registers: [registry],
        }),
    ),
  };
}
export type ForwardingMetrics = ReturnType<typeof forwardingMetrics>;
