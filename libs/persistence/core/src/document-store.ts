import type { HealthStatus } from '@nidus/ports';

/**
 * The document store port (ARCHITECTURE §2): tenant-scoped collections of JSON documents with unique indexes,
 * optimistic concurrency by version and cursor paging. Adapters: embedded (SQLite file under the data directory)
 * and MongoDB (mongoose); both pass `describeDocumentStoreContract` in libs/testing.
 * STYLE rule 6: every call names its tenant.
 */
export interface DocumentStore {
  /** Opens (creating on first use) a collection and its indexes. */
  collection<T extends object>(spec: CollectionSpec): Promise<DocumentCollection<T>>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}

export interface CollectionSpec {
  /** Prefixed by the owning service (STYLE names): `registry_devices`. Lowercase letters, digits, '_'. */
  readonly name: string;
  readonly indexes?: readonly IndexSpec[];
}

export interface IndexSpec {
  /** Paths into the document data, e.g. `node_id` or `auth_info.secret`. Indexes are per tenant. */
  readonly fields: readonly string[];
  /** Unique within a tenant. Every document must then have each field (not null). */
  readonly unique?: boolean;
}

export interface StoredDocument<T> {
  readonly tenant: string;
  readonly id: string;
  /** 1 on insert, +1 on every replace. */
  readonly version: number;
  readonly data: T;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type Scalar = string | number | boolean | null;

/** Equality (`{ status: 'ONLINE' }`) or membership (`{ status: { in: ['ONLINE', 'OFFLINE'] } }`) on data paths, ANDed. */
export type Filter = Readonly<Record<string, Scalar | { readonly in: readonly Scalar[] }>>;

/** Ids from `from` (inclusive) up to `to` (exclusive), compared as strings: a time window over time-ordered ids. */
export interface IdRange {
  readonly from?: string;
  readonly to?: string;
}

export interface PageRequest {
  /** 1..1000 documents. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** By id; default ascending. */
  readonly order?: 'asc' | 'desc';
  /** Only ids in this range. */
  readonly ids?: IdRange;
}

export interface Page<T> {
  readonly items: StoredDocument<T>[];
  /** Present while more documents follow. */
  readonly nextCursor?: string;
}

export interface DocumentCollection<T> {
  /** Throws DuplicateKeyError when the id or a unique index value is taken in the tenant. */
  insert(tenant: string, id: string, data: T): Promise<StoredDocument<T>>;
  get(tenant: string, id: string): Promise<StoredDocument<T> | undefined>;
  /** The documents of up to `maxGetMany` ids in one query; ids not found are left out, order is not kept. */
  getMany(tenant: string, ids: readonly string[]): Promise<StoredDocument<T>[]>;
  /** Replaces the data if the stored version is `expectedVersion`; throws VersionConflictError or DocumentNotFoundError. */
  replace(tenant: string, id: string, data: T, expectedVersion: number): Promise<StoredDocument<T>>;
  /** True if a document was deleted; with `expectedVersion`, throws VersionConflictError on a mismatch. */
  delete(tenant: string, id: string, expectedVersion?: number): Promise<boolean>;
  find(tenant: string, filter: Filter, page: PageRequest): Promise<Page<T>>;
  count(tenant: string, filter: Filter, ids?: IdRange): Promise<number>;
}
