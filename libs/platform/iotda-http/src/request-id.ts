import { randomUUID } from 'node:crypto';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): HttpResponse;
  getHeader(name: string): unknown;
  end(body?: string): void;
}

const FORWARDED_ID = /^[A-Za-z0-9-]{8,64}$/;

/**
 * The response's `X-Request-Id` (spec 05 §1.3: on every response). A well-formed id forwarded by the api service is
 * kept, so one request has one id across services; otherwise a new UUID.
 */
export function requestIdOf(req: HttpRequest, res: HttpResponse): string {
  const existing = res.getHeader('x-request-id');
  if (typeof existing === 'string') return existing;
  const forwarded = req.headers['x-request-id'];
  return typeof forwarded === 'string' && FORWARDED_ID.test(forwarded) ? forwarded : randomUUID();
}

/** Express-style middleware: sets `X-Request-Id` before any handler runs. */
export function requestIdMiddleware(req: HttpRequest, res: HttpResponse, next: () => void): void {
  res.setHeader('x-request-id', requestIdOf(req, res));
  next();
}
