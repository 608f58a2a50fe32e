import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { formatCompactUtc } from '@nidus/contracts';
import { findOne } from '@nidus/persistence-core';
import { IotdaApiError, type MarkerPaging, findMarkerPage } from '@nidus/platform-iotda-http';
import { errorMessage } from '@nidus/ports';
import { RULE_PARTS, type RuleParts } from '../rule-engine.parts';
import { bindingOf, normalizeBinding, parseCaCertificate } from './ca-certificate';
import type { AddPushCertificate, PushCertificateView } from './push-certificate.dto';
import type { StoredPushCertificate } from './push-certificate.schema';

/** Push CA certificates a project may hold. */
export const maxPushCertificates = 100;

/**
 * Push CA certificates (spec 03 §6.5.1, Nidus's `/push-certificates`): the CA an HTTPS action's server is checked
 * against, bound to the `host:port` of the action's URL. An action that names one trusts only it; a certificate an
 * action names cannot be deleted.
 */
@Injectable()
export class PushCertificatesService {
  constructor(@Inject(RULE_PARTS) private readonly parts: RuleParts) {}

  async create(project: string, body: AddPushCertificate): Promise<PushCertificateView> {
    const domain = normalizeBinding(body.domain);
    if (domain === undefined)
      throw new IotdaApiError(
        'INVALID_PARAMETER',
        `domain ${JSON.stringify(body.domain.slice(0, 64))} is not host:port.`,
      );
    let parsed;
    try {
      parsed = parseCaCertificate(body.content);
    } catch (error) {
      throw new IotdaApiError('PUSH_CERTIFICATE_INVALID', `content: ${errorMessage(error)}.`);
    }
    if ((await this.parts.certificates.count(project, {})) >= maxPushCertificates)
      throw new IotdaApiError(
        'PUSH_CERTIFICATE_QUOTA_EXCEEDED',
        `at most ${maxPushCertificates} push certificates a project.`,
      );
    const certificate: StoredPushCertificate = {
      cert_id: randomUUID(),
      cert_name: body.cert_name ?? (parsed.subjectCn || domain),
      domain,
      cn_name: parsed.subjectCn,
      owner: parsed.subjectO,
      fingerprint_sha256: parsed.fingerprintSha256,
      create_date: formatCompactUtc(this.parts.clock.now()),
      effective_date: formatCompactUtc(parsed.notBefore.getTime()),
      expiry_date: formatCompactUtc(parsed.notAfter.getTime()),
      pem: parsed.pem,
    };
    await this.parts.certificates.insert(project, this.parts.ids.next(), certificate);
    return viewOf(certificate);
  }

  async list(project: string, paging: MarkerPaging) {
    const page = await findMarkerPage(this.parts.certificates, project, { filter: {} }, paging);
    return { certificates: page.items.map((c) => viewOf(c.data)), count: page.count, marker: page.marker };
  }

  async show(project: string, certId: string): Promise<PushCertificateView> {
    return viewOf((await this.find(project, certId)).data);
  }

  async delete(project: string, certId: string): Promise<void> {
    const stored = await this.find(project, certId);
    const filter = { 'channel_detail.http_forwarding.cert_id': certId };
    if ((await findOne(this.parts.actions, project, filter)) !== undefined)
      throw new IotdaApiError('PUSH_CERTIFICATE_IN_USE', `cert_id ${certId}.`);
    await this.parts.certificates.delete(project, stored.id);
  }

  /**
   * Checks that an action may name the certificate (spec 03 §6.5.1 [IMPL]): the URL is HTTPS and its `host:port` is
   * the certificate's binding.
   */
  async checkUse(project: string, certId: string, url: string): Promise<void> {
    const target = new URL(url);
    if (target.protocol !== 'https:')
      throw new IotdaApiError('INVALID_PARAMETER', 'cert_id is only for https:// URLs.');
    const { domain } = (await this.find(project, certId)).data;
    const binding = bindingOf(target);
    if (domain !== binding)
      throw new IotdaApiError(
        'INVALID_PARAMETER',
        `cert_id ${certId} is bound to ${domain}, not to the URL's ${binding}.`,
      );
  }

  private async find(project: string, certId: string) {
    const found = await findOne(this.parts.certificates, project, { cert_id: certId });
    if (!found) throw new IotdaApiError('PUSH_CERTIFICATE_NOT_FOUND', `cert_id ${certId}.`);
    return found;
  }
}

function viewOf(c: StoredPushCertificate): PushCertificateView {
  const { pem: _pem, ...view } = c;
  return view;
}
