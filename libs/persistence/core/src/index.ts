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
  checkPage,
  checkPath,
  checkSpec,
  checkUniqueFields,
  cursor,
  pageOf,
  maxPageSize,
  valueAt,
} from './validation';
export type { SessionStore } from './session-store';
