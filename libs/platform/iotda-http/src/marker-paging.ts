import type { DocumentCollection, Filter, IdRange } from '@nidus/persistence-core';
import { cursor } from '@nidus/persistence-core';
import { IotdaApiError } from './iotda-api.error';

/** Marker paging of spec 05 §1.5: newest first, `limit` 1–50 (default 10), `offset` 0–500 after `marker`. */
export interface MarkerPaging {
  readonly limit: number;
  readonly marker: string;
  readonly offset: number;
}

const MARKER = /^[0-9a-f]{24}$/;
export const maxMarker = 'ffffffffffffffffffffffff';

/** Reads `limit`, `marker` and `offset` from a query, with the error codes spec 05 §1.6.3 gives each. */
export function markerPagingOf(query: Record<string, unknown>): MarkerPaging {
  const limit = intParam(query['limit'], 10);
  if (limit === undefined || limit < 1 || limit > 50)
    throw new IotdaApiError('LIMIT_OUT_OF_RANGE', 'limit: from 1 to 50.');
  const offset = intParam(query['offset'], 0);
  if (offset === undefined || offset < 0 || offset > 500)
    throw new IotdaApiError('INVALID_PARAMETER', 'offset: from 0 to 500.');
  const marker = query['marker'] ?? maxMarker;
  if (typeof marker !== 'string' || !MARKER.test(marker))
    throw new IotdaApiError('INVALID_PARAMETER', 'marker: 24 hexadecimal characters.');
  return { limit, marker, offset };
}

function intParam(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  return typeof value === 'string' && /^-?\d{1,6}$/.test(value) ? Number(value) : undefined;
}

/**
 * Totals of recent list queries (`page.count`), kept for `ttlMs`: counting is linear in the matches, fetching a
 * page is not, so a client paging through 100 000 devices would otherwise pay for the count on every page. The
 * owner forgets a tenant's totals when it writes to the collection; other replicas' writes show within `ttlMs`.
 */
export class CountCache {
  /** The count, or the one query computing it: concurrent lists wait for it rather than each counting. */
  private readonly entries = new Map<string, { count: Promise<number>; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 2_000,
    private readonly maxEntries = 10_000,
  ) {}

  async count(tenant: string, key: string, load: () => Promise<number>): Promise<number> {
    const id = `${tenant}\u0000${key}`;
    const hit = this.entries.get(id);
    if (hit && hit.until > this.now()) return hit.count;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const count = load();
    const entry = { count, until: Infinity };
    this.entries.set(id, entry);
    try {
      await count;
      entry.until = this.now() + this.ttlMs;
    } catch (error) {
      if (this.entries.get(id) === entry) this.entries.delete(id);
      throw error;
    }
    return count;
  }

  forget(tenant: string): void {
    for (const id of this.entries.keys()) if (id.startsWith(`${tenant}\u0000`)) this.entries.delete(id);
  }
}

/** One page of a collection whose document ids are record ids: the items, the filter's total, the next marker. */
export async function findMarkerPage<T>(
  collection: DocumentCollection<T>,
  tenant: string,
  query: { filter: Filter; ids?: IdRange; counts?: CountCache },
  paging: MarkerPaging,
): Promise<{ items: { id: string; data: T }[]; count: number; marker: string | null }> {
  const { filter, ids, counts } = query;
  const count = () => collection.count(tenant, filter, ids);
  const [page, total] = await Promise.all([
    collection.find(tenant, filter, {
      limit: paging.offset + paging.limit,
      order: 'desc',
      cursor: cursor.encode(paging.marker),
      ...(ids ? { ids } : {}),
    }),
    counts ? counts.count(tenant, JSON.stringify([filter, ids ?? null]), count) : count(),
  ]);
  const items = page.items.slice(paging.offset);
  return { items, count: total, marker: items.at(-1)?.id ?? null };
}
