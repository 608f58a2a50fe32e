import { Inject, Injectable } from '@nestjs/common';
import { IotdaApiError } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { type SignableRequest, verifyRequest } from '@nidus/protocol-iotda-signing';
import type { Principal } from '../credentials/credential.schema';
import { CredentialService } from '../credentials/credential.service';

/**
 * Who sent a request (spec 05 §2.5, §2.8): an AK/SK signature of either scheme, checked on the raw bytes, or an
 * `X-Auth-Token`. `Authorization` wins when both are present. Every failure is 401 APIGW.0301 naming the reason.
 */
@Injectable()
export class Authenticator {
  private readonly maxSkewMs: number;

  constructor(
    private readonly credentials: CredentialService,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
  ) {
    this.maxSkewMs = runtime.config.apiMaxClockSkewS * 1000;
  }

  async authenticate(request: SignableRequest): Promise<Principal> {
    const header = (name: string) => {
      const v = request.headers[name];
      return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined;
    };
    if (header('x-security-token') !== undefined)
      throw new IotdaApiError(
        'UNAUTHENTICATED',
        'Temporary access keys (X-Security-Token) are not supported.',
      );
    if (header('authorization') !== undefined) {
      const result = await verifyRequest(request, {
        secretOf: (ak) => this.credentials.secretOf(ak),
        now: this.runtime.clock.now(),
        maxSkewMs: this.maxSkewMs,
      });
      if (!result.ok) throw new IotdaApiError('UNAUTHENTICATED', `${result.detail}.`);
      return (await this.credentials.principalOfKey(result.accessKey))!;
    }
    const token = header('x-auth-token');
    if (token !== undefined) {
      const principal = await this.credentials.principalOfToken(token.trim());
      if (!principal) throw new IotdaApiError('UNAUTHENTICATED', 'The X-Auth-Token is not valid.');
      return principal;
    }
    throw new IotdaApiError('UNAUTHENTICATED', 'Sign the request (Authorization) or send an X-Auth-Token.');
  }
}
