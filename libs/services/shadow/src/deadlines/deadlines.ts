import { type DocumentCollection, type DocumentStore, DuplicateKeyError } from '@nidus/persistence-core';
import { deploymentTenant } from '@nidus/contracts';

/** What a deadline ends: a cached message (TIMEOUT) or an asynchronous command (EXPIRED, TIMEOUT). */
export type DeadlineKind = 'message' | 'command';

interface StoredDeadline {
  readonly kind: DeadlineKind;
  readonly project: string;
  readonly record_id: string;
}

const tenant = deploymentTenant; // one index across projects, for one sweep

/**
 * When the shadow service's cached items time out, in one deployment-wide index whose ids sort by time
 * (`<ms, zero-padded>-<record id>`): a sweep reads what is due as an id range, whatever the project (ADR 0010).
 */
export class Deadlines {
  private constructor(private readonly index: DocumentCollection<StoredDeadline>) {}

  static async open(documents: DocumentStore): Promise<Deadlines> {
    return new Deadlines(await documents.collection<StoredDeadline>({ name: 'shadow_deadlines' }));
  }

  /** Schedules a deadline; its id, to clear it. Setting one that is already there (same time, same record) is a no-op. */
  async set(kind: DeadlineKind, project: string, recordId: string, atMs: number): Promise<string> {
    const id = `${String(Math.max(0, Math.floor(atMs))).padStart(15, '0')}-${recordId}`;
    await this.index.insert(tenant, id, { kind, project, record_id: recordId }).catch((error: unknown) => {
      if (!(error instanceof DuplicateKeyError)) throw error;
    });
    return id;
  }

  async clear(id: string | undefined): Promise<void> {
    if (id !== undefined) await this.index.delete(tenant, id);
  }

  /** Deadlines at or before `nowMs`, oldest first. */
  async due(
    nowMs: number,
    limit: number,
  ): Promise<{ id: string; kind: DeadlineKind; project: string; recordId: string }[]> {
    const to = `${String(Math.floor(nowMs) + 1).padStart(15, '0')}-`;
    const page = await this.index.find(tenant, {}, { limit, ids: { to } });
    return page.items.map(({ id, data }) => ({
      id,
      kind: data.kind,
      project: data.project,
      recordId: data.record_id,
    }));
  }
}
