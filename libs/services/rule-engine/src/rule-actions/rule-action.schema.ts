import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';
import type { Channel, ChannelDetail } from './rule-action.dto';

/** A forwarding target of a routing rule (spec 03 §7.2), keyed by record id in the project's tenant. */
export interface StoredAction {
  readonly action_id: string;
  readonly rule_id: string;
  /** The rule's scope, copied: the API filters actions by it. */
  readonly app_type: 'GLOBAL' | 'APP';
  readonly app_id: string | null;
  readonly channel: Channel;
  /** Only the member of `channel`. */
  readonly channel_detail: ChannelDetail;
}

export type ActionStore = DocumentCollection<StoredAction>;

export function openActionStore(documents: DocumentStore): Promise<ActionStore> {
  return documents.collection<StoredAction>({
    name: 'rules_actions',
    indexes: [{ fields: ['action_id'], unique: true }, { fields: ['rule_id'] }],
  });
}
