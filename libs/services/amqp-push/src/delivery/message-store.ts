import { firstRecordIdAt } from '@nidus/domain-ids';
import {
  type DocumentCollection,
  type DocumentStore,
  type StoredDocument,
  deleteAll,
} from '@nidus/persistence-core';

/** A message waiting in an AMQP queue (spec 03 §6.6), keyed by a time-ordered record id: the queue's order. */
export interface StoredMessage {
  readonly queue: string;
  /** The push envelope after the rule's SELECT, as JSON text. */
  readonly body: string;
  readonly message_id: string;
  readonly resource: string;
  readonly event: string;
  readonly device_id: string | null;
  readonly app_id: string | null;
  readonly created_ms: number;
  /** The id of the forwarded event it came from: a redelivered event is not stored twice. */
  readonly forward_id: string;
}

export type QueuedMessage = StoredDocument<StoredMessage>;

const page = 500;

/** The messages of every queue of a project, in its tenant; oldest first. */
export class MessageStore {
  private constructor(private readonly store: DocumentCollection<StoredMessage>) {}

  static async open(documents: DocumentStore): Promise<MessageStore> {
    return new MessageStore(
      await documents.collection<StoredMessage>({
        name: 'amqp_messages',
        indexes: [{ fields: ['queue'] }, { fields: ['forward_id'], unique: true }],
      }),
    );
  }

  append(project: string, id: string, message: StoredMessage): Promise<QueuedMessage> {
    return this.store.insert(project, id, message);
  }

  /** Up to `limit` messages of the queue after the id `after` (from the head without one), oldest first. */
  async next(
    project: string,
    queue: string,
    after: string | undefined,
    limit: number,
  ): Promise<QueuedMessage[]> {
    const ids = after === undefined ? undefined : { from: `${after}\u0000` };
    return (await this.store.find(project, { queue }, { limit, ...(ids ? { ids } : {}) })).items;
  }

  /** Drops a message (settled, or evicted by the cap): false when it was gone already. */
  remove(project: string, id: string): Promise<boolean> {
    return this.store.delete(project, id);
  }

  /** Drops every message of a deleted queue. */
  async purge(project: string, queue: string): Promise<void> {
    await deleteAll(this.store, project, { queue });
  }

  /** Drops the project's messages stored before `beforeMs` (the 24 h of spec 03 §6.6); how many. */
  expire(project: string, beforeMs: number): Promise<number> {
    return deleteAll(this.store, project, {}, { to: firstRecordIdAt(beforeMs) });
  }

  /** The project's messages oldest first, a page at a time (the size cap's scan). */
  async *all(project: string): AsyncGenerator<QueuedMessage> {
    let cursor: string | undefined;
    do {
      const found = await this.store.find(project, {}, { limit: page, ...(cursor ? { cursor } : {}) });
      yield* found.items;
      cursor = found.nextCursor;
    } while (cursor);
  }
}
