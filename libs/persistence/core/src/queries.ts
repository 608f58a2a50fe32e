import type { DocumentCollection, Filter, StoredDocument } from './document-store';

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
