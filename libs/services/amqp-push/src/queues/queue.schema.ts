import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';

/** An AMQP queue of a project (spec 03 §6.6), keyed by record id in the project's tenant. */
export interface StoredQueue {
  readonly queue_id: string;
  readonly queue_name: string;
  /** Compact UTC. */
  readonly create_time: string;
}

export type QueueStore = DocumentCollection<StoredQueue>;

export function openQueueStore(documents: DocumentStore): Promise<QueueStore> {
  return documents.collection<StoredQueue>({
    name: 'amqp_queues',
    indexes: [
      { fields: ['queue_id'], unique: true },
      { fields: ['queue_name'], unique: true },
    ],
  });
}
