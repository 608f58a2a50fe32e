import { createHash } from 'node:crypto';

/** An HTTP request as received (or about to be sent): what the AK/SK signature covers. */
export interface SignableRequest {
  readonly method: string;
  /** The raw path, without the query, as on the wire: `/v5/iot/p/devices`. */
  readonly path: string;
  /** The raw query string, without `?`; empty when there is none. */
  readonly query: string;
  /** Header values by lower-case name; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The exact body bytes (spec 05 §2.3: hashed before any parsing). */
  readonly body: Buffer;
}

export const emptyBodySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 percent-encoding keeping only the unreserved set `A-Z a-z 0-9 - _ . ~` (spec 05 §2.2 step 5). */
export function encodeUnreserved(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape is signed as sent; the comparison then decides
  }
}

/** Each segment decoded once and re-encoded; a trailing `/` appended if missing. */
export function canonicalUri(rawPath: string): string {
  const path = rawPath
    .split('/')
    .map((segment) => encodeUnreserved(decode(segment)))
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * Parameters sorted by name then value, each `encode(name)=encode(value)`. The raw query is read with form semantics
 * (`+` is a space, a bare `name` has an empty value) so that every SDK's encoding converges (spec 05 §2.4 item 2).
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const [name, value] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return [decode(name.replaceAll('+', ' ')), decode(value.replaceAll('+', ' '))] as const;
    });
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${encodeUnreserved(n)}=${encodeUnreserved(v)}`).join('&');
}

/** A header's value as signed: repeated values joined with `,`, surrounding whitespace trimmed. */
export function headerValue(request: SignableRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? value : value.join(',')).trim();
}

/** The payload hash: `X-Sdk-Content-Sha256` when present (UNSIGNED-PAYLOAD), else SHA-256 of the body bytes. */
export function payloadHash(request: SignableRequest): string {
  return headerValue(request, 'x-sdk-content-sha256') ?? sha256Hex(request.body);
}

/** CanonicalRequest of spec 05 §2.2 step 5, over the given signed header names (lower-case, sorted). */
export function canonicalRequest(request: SignableRequest, signedHeaders: readonly string[]): string {
  const headers = signedHeaders.map((name) => `${name}:${headerValue(request, name) ?? ''}\n`).join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    headers,
    signedHeaders.join(';'),
    payloadHash(request),
  ].join('\n');
}
