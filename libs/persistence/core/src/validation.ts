import type { CollectionSpec, Filter, Page, PageRequest, StoredDocument } from './document-store';
import { InvalidDocumentRequestError } from './errors';

// Checks shared by every adapter, so both reject the same requests with the same errors. Names and paths end up in
// SQL and index definitions: only these shapes are accepted.

const COLLECTION = /^[a-z][a-z0-9_]{0,62}$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$/;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const maxPageSize = 1000;
/** Most ids in one `getMany`. */
export const maxGetMany = 1000;

export function checkSpec(spec: CollectionSpec): void {
  if (!COLLECTION.test(spec.name))
    throw new InvalidDocumentRequestError(`collection name ${spec.name} must match ${COLLECTION}`);
  for (const index of spec.indexes ?? []) {
    if (index.fields.length === 0)
      throw new InvalidDocumentRequestError(`${spec.name}: an index needs fields`);
    index.fields.forEach(checkPath);
  }
}

export function checkPath(path: string): void {
  if (!PATH.test(path)) throw new InvalidDocumentRequestError(`field path ${path} must match ${PATH}`);
}

export function checkTenant(tenant: string): void {
  if (!TENANT.test(tenant)) throw new InvalidDocumentRequestError(`tenant ${tenant} must match ${TENANT}`);
}

export function checkKey(tenant: string, id: string): void {
  checkTenant(tenant);
  checkId(id);
}

/** The key of every id of a `getMany`, and their number. */
export function checkKeys(tenant: string, ids: readonly string[]): void {
  if (ids.length > maxGetMany)
    throw new InvalidDocumentRequestError(`at most ${maxGetMany} ids in one getMany, not ${ids.length}`);
  checkTenant(tenant);
  for (const id of ids) checkId(id);
}

function checkId(id: string): void {
  if (id.length === 0 || id.length > 256) {
    throw new InvalidDocumentRequestError('id must have 1 to 256 characters');
  }
}

/** A query's tenant and filter paths. */
export function checkQuery(tenant: string, filter: Filter): void {
  checkTenant(tenant);
  Object.keys(filter).forEach(checkPath);
}

export function checkPage(page: PageRequest): void {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > maxPageSize) {
    throw new InvalidDocumentRequestError(`page limit must be an integer from 1 to ${maxPageSize}`);
  }
}

/** The value at a dotted path of a document's data. */
export function valueAt(data: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      data,
    );
}

/** Unique index fields must be present: adapters differ on how they treat missing values, so none is allowed. */
export function checkUniqueFields(spec: CollectionSpec, data: unknown): void {
  for (const index of spec.indexes ?? []) {
    if (!index.unique) continue;
    for (const field of index.fields) {
      const v = valueAt(data, field);
      if (v === undefined || v === null)
        throw new InvalidDocumentRequestError(`${spec.name}: unique field ${field} is required`);
    }
  }
}

/**
 * A page from the `limit + 1` documents an adapter fetched in order: the first `limit`, and a cursor to the next
 * page when the extra one shows that more follow.
 */
export function pageOf<T>(fetched: readonly StoredDocument<T>[], limit: number): Page<T> {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return fetched.length > limit && last ? { items, nextCursor: cursor.encode(last.id) } : { items };
}

/** Opaque page cursor: the last id of the page. */
export const cursor = {
  encode: (id: string) => Buffer.from(id, 'utf8').toString('base64url'),
  decode: (c: string) => Buffer.from(c, 'base64url').toString('utf8'),
};
