export { Deferred, Inbox } from './inbox';
export { type EventBusHarness, describeEventBusContract } from './event-bus.contract';
export { type DocumentStoreHarness, describeDocumentStoreContract } from './document-store.contract';
export { type SessionStoreHarness, describeSessionStoreContract } from './session-store.contract';
export { freePorts } from './ports';
