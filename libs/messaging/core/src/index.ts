export {
  type DeliveryInfo,
  type EventBus,
  type EventHandler,
  type Subscription,
  type SubscriptionOptions,
  deadLetterHeaders,
} from './event-bus';
export {
  type DeliveryHooks,
  type DeliveryOutcome,
  type ValidationMemo,
  defaultMaxAttempts,
  defaultRetryBackoffMs,
  deliver,
} from './delivery';
