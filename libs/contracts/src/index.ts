export { type EventEnvelope, type NewEvent, createEvent, eventEnvelopeSchema } from './envelope';
export { isTraceparent, newTraceparent } from './trace-context';
export {
  type TopicDefinition,
  deadLetterTopicName,
  defineTopic,
  devicePropertyReportedV1,
  deviceMessageReportedV1,
  deviceStatusChangedV1,
  deviceLifecycleChangedV1,
  productLifecycleChangedV1,
  deviceEventReportedV1,
  deviceInfoReportedV1,
  deviceLogReportedV1,
  deviceOtaReportedV1,
  deviceFileRequestedV1,
  gatewaySubDevicesRequestedV1,
  deviceDownlinkRespondedV1,
  deviceShadowRequestedV1,
  gatewayInstanceAliveV1,
  isTopicName,
  topicRegistry,
} from './topics';
export {
  type DeviceLifecyclePush,
  type DeviceObject,
  type MessageReportPush,
  type ProductLifecyclePush,
  type ProductObject,
  type PropertyReportPush,
  type StatusUpdatePush,
  compactUtcSchema,
  deviceLifecyclePushSchema,
  deviceObjectSchema,
  productLifecyclePushSchema,
  productObjectSchema,
  messageReportPushSchema,
  notifyHeaderSchema,
  propertyReportPushSchema,
  statusUpdatePushSchema,
} from './iotda-push';
export { type IotdaErrorBody, type IotdaErrorSpec, type IotdaErrorSymbol, iotdaErrors } from './iotda-errors';
export { formatCompactUtc, formatMillisUtc, parseCompactUtc } from './iotda-time';
export {
  type DeviceEventReported,
  type DeviceInfoReported,
  type DeviceLogReported,
  type DownlinkResponded,
  type ShadowRequested,
  deviceEventReportedSchema,
  deviceInfoReportedSchema,
  deviceLogReportedSchema,
  downlinkRespondedSchema,
  shadowRequestedSchema,
} from './device-events';
export {
  type GatewayInstanceAlive,
  gatewayInstanceAliveSchema,
  gatewayMissedHeartbeats,
} from './gateway-events';
export {
  type EventEnvelopePayload,
  type GatewayPropertyReportPayload,
  type PropertyReportPayload,
  type ServiceEvent,
  commandResponsePayloadSchema,
  deviceInfoParasSchema,
  eventEnvelopePayloadSchema,
  gatewayPropertyReportPayloadSchema,
  logReportParasSchema,
  maxGatewayBatchDevices,
  propertiesGetResponsePayloadSchema,
  propertiesSetResponsePayloadSchema,
  propertyReportPayloadSchema,
  serviceEventSchema,
  shadowGetPayloadSchema,
  timeSyncRequestParasSchema,
} from './device-payloads';
export { type SystemEventRoute, isSystemService, systemEventRoute, systemEventRoutes } from './system-events';
export {
  type DeviceAccess,
  type DeviceAccessLookup,
  type ProductAccess,
  deviceAccessAnswerSchema,
  deviceAccessLookupSchema,
  deviceAccessSchema,
  maxDeviceAccessLookup,
  productAccessSchema,
} from './device-access';
