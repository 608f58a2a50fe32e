export { createLogger } from './logger';
export {
  type DeviceGatewayMetrics,
  createMetricsRegistry,
  deviceGatewayMetrics,
  httpRequestMetrics,
  syncCallMetrics,
} from './metrics';
export type { Registry as MetricsRegistry } from 'prom-client';
