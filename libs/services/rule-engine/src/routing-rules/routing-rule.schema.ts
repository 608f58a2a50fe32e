import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';

/** A routing rule (spec 03 §7.2), keyed by record id (time-ordered, the list's marker) in the project's tenant. */
export interface StoredRule {
  readonly rule_id: string;
  readonly rule_name: string;
  readonly description: string;
  readonly resource: string;
  readonly event: string;
  readonly app_type: 'GLOBAL' | 'APP';
  /** Null for a GLOBAL rule. */
  readonly app_id: string | null;
  readonly select: string;
  readonly where: string;
  readonly active: boolean;
}

export type RuleStore = DocumentCollection<StoredRule>;

export function openRuleStore(documents: DocumentStore): Promise<RuleStore> {
  return documents.collection<StoredRule>({
    name: 'rules_routing_rules',
    // By id for the API; by data source for the events the rule engine evaluates.
    indexes: [{ fields: ['rule_id'], unique: true }, { fields: ['resource', 'event'] }],
  });
}
