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
  type BatchItem,
  type DeliveryHooks,
  type DeliveryOutcome,
  type ValidationMemo,
  defaultMaxAttempts,
  defaultMaxBatch,
  defaultRetryBackoffMs,
  deliver,
  deliverBatch,
} from './delivery';
