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
