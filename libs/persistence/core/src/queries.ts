import type { DocumentCollection, Filter, IdRange, StoredDocument } from './document-store';

/** The document matching `filter`, or undefined: a lookup by a unique field (the first in id order if several match). */
export async function findOne<T>(
  collection: DocumentCollection<T>,
  tenant: string,
  filter: Filter,
): Promise<StoredDocument<T> | undefined> {
  return (await collection.find(tenant, filter, { limit: 1 })).items[0];
}

/** Every document matching `filter`, in id order, read page by page: for sets known to be small (a project's rules). */
export async function findAll<T>(
  collection: DocumentCollection<T>,
  tenant: string,
  filter: Filter,
): Promise<StoredDocument<T>[]> {
  const all: StoredDocument<T>[] = [];
  for (let cursor: string | undefined; ;) {
    const page = await collection.find(tenant, filter, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
}

/**
 * The documents matching `filter` beyond its newest `keep` (ids are time-ordered), oldest first, at most 500 at a time:
 * what a per-device history limit lets go.
 */
export async function oldestBeyond<T>(
  collection: DocumentCollection<T>,
  tenant: string,
  filter: Filter,
  keep: number,
): Promise<StoredDocument<T>[]> {
  const excess = (await collection.count(tenant, filter)) - keep;
  if (excess <= 0) return [];
  return (await collection.find(tenant, filter, { limit: Math.min(excess, 500), order: 'asc' })).items;
}

/** Deletes every document matching `filter` (and `ids`), a page at a time; how many. */
export async function deleteAll<T>(
  collection: DocumentCollection<T>,
  tenant: string,
  filter: Filter,
  ids?: IdRange,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await collection.find(tenant, filter, { limit: 500, ...(ids ? { ids } : {}) });
    for (const doc of page.items) if (await collection.delete(tenant, doc.id)) deleted++;
    if (!page.nextCursor) return deleted;
  }
}
