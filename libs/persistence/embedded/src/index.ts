export { SqliteDocumentStore } from './sqlite-document-store';
export { MemorySessionStore, SessionSpace } from './memory-session-store';
