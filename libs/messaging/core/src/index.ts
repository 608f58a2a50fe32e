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
  defaultMaxAttempts,
  defaultRetryBackoffMs,
  deliver,
} from './delivery';
