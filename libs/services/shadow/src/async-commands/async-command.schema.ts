import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';

/** Spec 03 §5.2.4. */
export const commandStatuses = [
  'PENDING',
  'EXPIRED',
  'SENT',
  'DELIVERED',
  'SUCCESSFUL',
  'FAILED',
  'TIMEOUT',
] as const;
export type CommandStatus = (typeof commandStatuses)[number];

/** Statuses after which nothing changes (spec 03 §5.2.4). */
export const terminalStatuses: readonly CommandStatus[] = ['EXPIRED', 'TIMEOUT', 'SUCCESSFUL', 'FAILED'];

/** An asynchronous command (spec 05 §3.5.2–§3.5.3), keyed by record id (time-ordered) in the project's tenant. */
export interface StoredCommand {
  readonly device_id: string;
  readonly command_id: string;
  readonly app_id: string;
  readonly service_id?: string;
  readonly command_name?: string;
  readonly paras: Record<string, unknown>;
  /** Seconds a cached command is kept (`delay`); 0 for `immediately`. */
  readonly expire_time: number;
  readonly send_strategy: 'immediately' | 'delay';
  readonly status: CommandStatus;
  readonly result?: Record<string, unknown>;
  /** Compact UTC. */
  readonly created_time: string;
  readonly sent_time?: string;
  readonly delivered_time?: string;
  readonly response_time?: string;
  /** The entry in the deadline index that ends the current status (PENDING → EXPIRED, SENT → TIMEOUT). */
  readonly deadline_id?: string;
}

export type CommandStore = DocumentCollection<StoredCommand>;

export function openCommandStore(documents: DocumentStore): Promise<CommandStore> {
  return documents.collection<StoredCommand>({
    name: 'shadow_commands',
    // (device, status): the queue's head and what is in flight are one index range each, in record-id order.
    indexes: [{ fields: ['command_id'], unique: true }, { fields: ['device_id', 'status'] }],
  });
}
