import type { DocumentCollection, DocumentStore } from '@nidus/persistence-core';
import type { PushCertificateView } from './push-certificate.dto';

/** A push CA certificate (spec 03 §6.5.1), keyed by record id in the project's tenant. */
export interface StoredPushCertificate extends PushCertificateView {
  /** What HTTPS pushes of the actions that name it trust, instead of the system's roots. */
  readonly pem: string;
}

export type PushCertificateStore = DocumentCollection<StoredPushCertificate>;

export function openPushCertificateStore(documents: DocumentStore): Promise<PushCertificateStore> {
  return documents.collection<StoredPushCertificate>({
    name: 'rules_push_certificates',
    indexes: [{ fields: ['cert_id'], unique: true }],
  });
}
