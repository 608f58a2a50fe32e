export { type EventEnvelope, type NewEvent, createEvent, eventEnvelopeSchema } from './envelope';
export { isTraceparent, newTraceparent } from './trace-context';
export {
  type TopicDefinition,
  deadLetterTopicName,
  defineTopic,
  devicePropertyReportedV1,
  deviceMessageReportedV1,
  deviceStatusChangedV1,
  isTopicName,
  topicRegistry,
} from './topics';
export {
  type MessageReportPush,
  type PropertyReportPush,
  type StatusUpdatePush,
  compactUtcSchema,
  messageReportPushSchema,
  notifyHeaderSchema,
  propertyReportPushSchema,
  statusUpdatePushSchema,
} from './iotda-push';
export { type IotdaErrorBody, type IotdaErrorSpec, type IotdaErrorSymbol, iotdaErrors } from './iotda-errors';
