export type {
  CollectionSpec,
  DocumentCollection,
  DocumentStore,
  Filter,
  IdRange,
  IndexSpec,
  Page,
  PageRequest,
  Scalar,
  StoredDocument,
} from './document-store';
export {
  DocumentNotFoundError,
  DocumentStoreError,
  DuplicateKeyError,
  InvalidDocumentRequestError,
  VersionConflictError,
} from './errors';
export {
  checkQuery,
  checkKey,
  checkKeys,
  checkPage,
  checkPath,
  checkSpec,
  checkUniqueFields,
  cursor,
  pageOf,
  maxPageSize,
  maxGetMany,
  valueAt,
} from './validation';
export { deleteAll, findAll, findOne, oldestBeyond } from './queries';
export { type SessionStore, renewLease } from './session-store';
