export { DeviceDirectory, type DeviceDirectoryOptions } from './device-directory';
export { type LoginPolicy, type LoginRefusal, type SecretLogin, checkSecretLogin } from './device-login';
export { DeviceSessions, type SessionOwner } from './device-sessions';
export { UplinkPipeline, type UplinkPipelineOptions } from './uplink-pipeline';
export {
  type DeviceContext,
  type Downlink,
  type UplinkOutcome,
  type UplinkRejection,
  normaliseEventTime,
} from './uplink-event';
export { publishDeviceStatus } from './device-status';
export { requestDownlink } from './downlink-requests';
export { TokenBucket } from './token-bucket';
export { GatewayInstance } from './gateway-instance';
export {
  type FieldsCheck,
  type ModelIndex,
  type ParaDefinition,
  type PropertyDefinition,
  type ServiceIndex,
  checkFields,
  modelIndexOf,
} from './product-model.index';
export { SourceGuard, type SourceGuardOptions, sourceKey } from './source-guard';
