import type { ShadowEntry } from '@nidus/domain-shadow';
import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';

/** A device's shadow (spec 02 §4.2): its entries per service, in the project's tenant, keyed by device id. */
export interface StoredShadow {
  readonly device_id: string;
  readonly app_id: string;
  readonly product_id: string;
  readonly services: readonly ShadowEntry[];
}

export type ShadowStore = DocumentCollection<StoredShadow>;

export function openShadowStore(documents: DocumentStore): Promise<ShadowStore> {
  return documents.collection<StoredShadow>({ name: 'shadow_documents' });
}
