export { type Infrastructure, openInfrastructure } from './infrastructure';
export {
  ProcessHost,
  type ServiceFactory,
  configOrExit,
  exitConfigError,
  serverKeepAliveMs,
} from './process-host';
export { createServiceApp, jsonBodyLimit } from './service-app';
export { standaloneRuntime } from './standalone-runtime';
export {
  CLOCK,
  EVENT_BUS,
  type InProcessHandler,
  LOGGER,
  SERVICE_RUNTIME,
  type ServiceRuntime,
} from './service-runtime';
export { type TlsMaterial, makeDevelopmentCertificates, tlsMaterial } from './tls-material';
