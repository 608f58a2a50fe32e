export { type Infrastructure, openInfrastructure } from './infrastructure';
export { ProcessHost, type ServiceFactory, configOrExit, exitConfigError } from './process-host';
export { createServiceApp } from './service-app';
export { CLOCK, EVENT_BUS, LOGGER, SERVICE_RUNTIME, type ServiceRuntime } from './service-runtime';
