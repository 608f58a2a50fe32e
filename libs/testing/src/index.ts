export { Deferred, Inbox } from './inbox';
export { type EventBusHarness, describeEventBusContract } from './event-bus.contract';
