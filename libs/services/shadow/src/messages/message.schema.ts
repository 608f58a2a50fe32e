import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';

export type MessageStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'TIMEOUT';

/** A message to a device (spec 05 §3.7), keyed by record id (time-ordered) in the project's tenant. */
export interface StoredMessage {
  readonly device_id: string;
  readonly message_id: string;
  readonly app_id: string;
  readonly name?: string;
  readonly message: unknown;
  readonly encoding: 'none' | 'base64';
  readonly payload_format: 'standard' | 'raw';
  /** The full MQTT topic it goes to. */
  readonly topic: string;
  readonly status: MessageStatus;
  readonly error_info?: { readonly error_code: string; readonly error_msg: string };
  /** Compact UTC. */
  readonly created_time: string;
  readonly finished_time?: string;
  /** When it times out if not delivered, ms since epoch, and its entry in the deadline index. */
  readonly expire_ms: number;
  readonly deadline_id?: string;
}

export type MessageStore = DocumentCollection<StoredMessage>;

export function openMessageStore(documents: DocumentStore): Promise<MessageStore> {
  return documents.collection<StoredMessage>({
    name: 'shadow_messages',
    indexes: [{ fields: ['device_id', 'message_id'], unique: true }, { fields: ['device_id'] }],
  });
}
