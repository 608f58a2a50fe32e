export {
  type BatchHandler,
  type DeliveryInfo,
  type EventBus,
  type EventHandler,
  type Subscription,
  type SubscriptionOptions,
  deadLetterHeaders,
} from './event-bus';
export {
  BatchIncomplete,
  type BatchItem,
  type DeliveryHooks,
  type DeliveryOutcome,
  type ValidationMemo,
  bySubject,
  defaultMaxAttempts,
  defaultMaxBatch,
  defaultRetryBackoffMs,
  deliver,
  deliverBatch,
} from './delivery';
