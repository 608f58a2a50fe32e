export { DeviceRegistryModule } from './device-registry.module';
export { createDeviceRegistry } from './device-registry.bootstrap';
