export { createLogger } from './logger';
export { createMetricsRegistry, httpRequestMetrics } from './metrics';
export type { Registry as MetricsRegistry } from 'prom-client';
