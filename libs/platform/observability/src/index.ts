export { createLogger } from './logger';
export {
  type DeviceGatewayMetrics,
  type ForwardingMetrics,
  createMetricsRegistry,
  deviceGatewayMetrics,
  watchBlockedSources,
  forwardingMetrics,
  httpRequestMetrics,
  syncCallMetrics,
} from './metrics';
export type { Registry as MetricsRegistry } from 'prom-client';
