import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { IotdaApiError } from './iotda-api.error';
import type { HttpRequest } from './request-id';

/** The headers the api adds when it forwards an authenticated v5 request (ADR 0006). */
export const internalHeaders = {
  token: 'x-nidus-internal-token',
  project: 'x-nidus-project',
} as const;

/**
 * A service behind the api answers v5 and internal routes only to the api: the request must carry the deployment's
 * internal token (ADR 0006). Health and metrics stay open.
 */
@Injectable()
export class InternalCallGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SERVICE_RUNTIME) runtime: ServiceRuntime) {
    this.expected = Buffer.from(runtime.internalToken, 'utf8');
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    if (!req.url.startsWith('/v5/') && !req.url.startsWith('/internal/')) return true;
    const given = req.headers[internalHeaders.token];
    const bytes = Buffer.from(typeof given === 'string' ? given : '', 'utf8');
    if (bytes.length === this.expected.length && timingSafeEqual(bytes, this.expected)) return true;
    throw new IotdaApiError('UNAUTHENTICATED', 'Call this service through the api service.');
  }
}
