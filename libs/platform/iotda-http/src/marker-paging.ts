import { z } from 'zod';
import type { DocumentCollection, Filter, IdRange } from '@nidus/persistence-core';
import { cursor } from '@nidus/persistence-core';
import { TtlCache } from '@nidus/ports';
import { IotdaApiError } from './iotda-api.error';

/** Marker paging of spec 05 §1.5: newest first, `limit` 1–50 (default 10), `offset` 0–500 after `marker`. */
export interface MarkerPaging {
  readonly limit: number;
  readonly marker: string;
  readonly offset: number;
}

const MARKER = /^[0-9a-f]{24}$/;
const maxMarker = 'ffffffffffffffffffffffff';
const limits = { limit: { min: 1, max: 50, default: 10 }, offset: { min: 0, max: 500, default: 0 } } as const;

/** The paging parameters as the OpenAPI document describes them; `markerPagingOf` checks the same bounds. */
export const markerPagingQuerySchema = z.object({
  limit: z.number().int().min(limits.limit.min).max(limits.limit.max).default(limits.limit.default),
  marker: z.string().regex(MARKER).default(maxMarker),
  offset: z.number().int().min(limits.offset.min).max(limits.offset.max).default(limits.offset.default),
});

/** Reads `limit`, `marker` and `offset` from a query, with the error codes spec 05 §1.6.3 gives each. */
export function markerPagingOf(query: Record<string, unknown>): MarkerPaging {
  const { limit: l, offset: o } = limits;
  const limit = intParam(query['limit'], l.default);
  if (limit === undefined || limit < l.min || limit > l.max)
    throw new IotdaApiError('LIMIT_OUT_OF_RANGE', `limit: from ${l.min} to ${l.max}.`);
  const offset = intParam(query['offset'], o.default);
  if (offset === undefined || offset < o.min || offset > o.max)
    throw new IotdaApiError('INVALID_PARAMETER', `offset: from ${o.min} to ${o.max}.`);
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
  private readonly totals: TtlCache<number>;

  constructor(now: () => number, ttlMs = 2_000, maxEntries = 10_000) {
    this.totals = new TtlCache(now, ttlMs, maxEntries);
  }

  async count(tenant: string, key: string, load: () => Promise<number>): Promise<number> {
    return (await this.totals.get(`${tenant}\u0000${key}`, load))!;
  }

  forget(tenant: string): void {
    this.totals.forgetPrefix(`${tenant}\u0000`);
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
