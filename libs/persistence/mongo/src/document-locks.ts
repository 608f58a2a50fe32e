import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongoose';
import { DocumentStoreError } from '@nidus/persistence-core';
import { retryWhileBusy } from './busy-retry';

export interface WriteLock {
  _id: string;
  token: string;
  /** ms since epoch; a lock past it was left by a writer that died and may be broken. */
  expiresAt: number;
}

const leaseMs = 30_000; // longer than any single write takes
const waitMs = 5_000; // how long a writer queues behind another before it reports a conflict

/**
 * Per-document write locks that make versioned replace atomic on every MongoDB-wire server we target.
 * MongoDB's conditional findOneAndUpdate is atomic, but FerretDB v1 evaluates the filter and then updates by _id, so
 * two writers at one version both win (docs/persistence/ferretdb.md). A lock is a document whose _id is the locked
 * document's: inserting it is atomic on both servers (duplicate _id), and only its holder writes. Under the lock
 * the writer re-reads the version, so a stale writer that takes a free lock still loses.
 */
export class DocumentLocks {
  constructor(
    private readonly locks: Collection<WriteLock>,
    private readonly collection: string,
  ) {}

  async holding<R>(id: string, work: () => Promise<R>): Promise<R> {
    const token = randomUUID();
    await this.acquire(id, token);
    try {
      return await work();
    } finally {
      await retryWhileBusy(() => this.locks.deleteOne({ _id: id, token }));
    }
  }

  private async acquire(id: string, token: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      try {
        await retryWhileBusy(() => this.locks.insertOne({ _id: id, token, expiresAt: Date.now() + leaseMs }));
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000) throw error;
      }
      const held = await this.locks.findOne({ _id: id });
      if (held && held.expiresAt < Date.now()) await this.locks.deleteOne({ _id: id, token: held.token });
      if (Date.now() > deadline) {
        throw new DocumentStoreError(
          `${this.collection}/${id}: another writer held the document for over ${waitMs} ms`,
        );
      }
      await sleep(pause);
    }
  }
}
