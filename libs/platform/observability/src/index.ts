export { createLogger } from './logger';
export {
  type DeviceGatewayMetrics,
  createMetricsRegistry,
  deviceGatewayMetrics,
  httpRequestMetrics,
} from './metrics';
export type { Registry as MetricsRegistry } from 'prom-client';
