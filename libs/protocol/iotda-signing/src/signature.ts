import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { formatCompactUtc, parseCompactUtc } from '@nidus/contracts';
import { type SignableRequest, canonicalRequest, headerValue, sha256Hex } from './canonical-request';

export type SigningScheme = 'SDK-HMAC-SHA256' | 'V11-HMAC-SHA256';

/** The parts of an `Authorization` header of either scheme (spec 05 §2.5). */
export interface ParsedAuthorization {
  readonly scheme: SigningScheme;
  readonly accessKey: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** V11 only: `yyyyMMdd/{region}/{service}`. */
  readonly scope?: { readonly date: string; readonly region: string; readonly service: string };
}

const SDK = /^SDK-HMAC-SHA256 +Access=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})$/;
const V11 =
  /^V11-HMAC-SHA256 +Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})$/;

/** Parses an Authorization value (trimmed first: one community client prefixes a space); undefined if neither scheme. */
export function parseAuthorization(value: string): ParsedAuthorization | undefined {
  const v = value.trim();
  const sdk = SDK.exec(v);
  if (sdk)
    return {
      scheme: 'SDK-HMAC-SHA256',
      accessKey: sdk[1]!,
      signedHeaders: sdk[2]!.split(';'),
      signature: sdk[3]!,
    };
  const v11 = V11.exec(v);
  if (v11) {
    return {
      scheme: 'V11-HMAC-SHA256',
      accessKey: v11[1]!,
      scope: { date: v11[2]!, region: v11[3]!, service: v11[4]! },
      signedHeaders: v11[5]!.split(';'),
      signature: v11[6]!,
    };
  }
  return undefined;
}

/**
 * The derived signing key of V11-HMAC-SHA256 (spec 05 §2.6): lower-case hex of HKDF-SHA256(IKM = SK, salt = AK,
 * info = scope, 32 bytes). The hex string itself, as ASCII bytes, is the HMAC key.
 */
export function derivedKey(accessKey: string, secretKey: string, scope: string): string {
  return Buffer.from(hkdfSync('sha256', secretKey, accessKey, scope, 32)).toString('hex');
}

/** The signature of a request whose CanonicalRequest is `canonical`, under either scheme. */
export function computeSignature(
  scheme: SigningScheme,
  credentials: { accessKey: string; secretKey: string },
  sdkDate: string,
  canonical: string,
  scope?: string,
): string {
  if (scheme === 'SDK-HMAC-SHA256') {
    return hmacHex(credentials.secretKey, `SDK-HMAC-SHA256\n${sdkDate}\n${sha256Hex(canonical)}`);
  }
  if (scope === undefined) throw new Error('V11-HMAC-SHA256 needs a credential scope');
  const key = derivedKey(credentials.accessKey, credentials.secretKey, scope);
  return hmacHex(key, `V11-HMAC-SHA256\n${sdkDate}\n${scope}\n${sha256Hex(canonical)}`);
}

function hmacHex(key: string, data: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(data, 'utf8').digest('hex');
}

export interface SignOptions {
  scheme: SigningScheme;
  /** `X-Sdk-Date`, `yyyyMMddTHHmmssZ`; must already be among the request's headers if signed. */
  sdkDate: string;
  /** V11: the client's region id; default `cn-north-4`. */
  region?: string;
  /** V11: the derived service name; IoTDA clients use `iotdm`. */
  service?: string;
  /** Default: every header of the request, as the Python SDK does. */
  signedHeaders?: readonly string[];
}

/**
 * The Authorization header an IoTDA SDK would send for this request — the client side, for tests, benchmarks and
 * scripts that speak to Nidus the way applications do.
 */
export function signRequest(
  request: SignableRequest,
  credentials: { accessKey: string; secretKey: string },
  options: SignOptions,
): string {
  const signed = [...(options.signedHeaders ?? Object.keys(request.headers).filter((h) => !h.includes('_')))]
    .map((h) => h.toLowerCase())
    .sort();
  const canonical = canonicalRequest(request, signed);
  if (options.scheme === 'SDK-HMAC-SHA256') {
    const signature = computeSignature('SDK-HMAC-SHA256', credentials, options.sdkDate, canonical);
    return `SDK-HMAC-SHA256 Access=${credentials.accessKey}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  }
  const scope = `${options.sdkDate.slice(0, 8)}/${options.region ?? 'cn-north-4'}/${options.service ?? 'iotdm'}`;
  const signature = computeSignature('V11-HMAC-SHA256', credentials, options.sdkDate, canonical, scope);
  return `V11-HMAC-SHA256 Credential=${credentials.accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
}

export type VerifyFailure =
  | 'missing-authorization'
  | 'malformed-authorization'
  | 'bad-date'
  | 'date-skew'
  | 'unknown-access-key'
  | 'bad-signed-headers'
  | 'bad-scope'
  | 'signature-mismatch';

export type VerifyResult =
  | { readonly ok: true; readonly accessKey: string }
  | { readonly ok: false; readonly failure: VerifyFailure; readonly detail: string };

export interface VerifyOptions {
  /** Secret of an access key, undefined if unknown or disabled. */
  secretOf(accessKey: string): Promise<string | undefined> | string | undefined;
  /** Now, ms since epoch. */
  now: number;
  /** Largest accepted |now - X-Sdk-Date|; default 15 minutes (spec 05 §2.5). */
  maxSkewMs?: number;
  /** Accepted V11 service names; default `iotdm`. */
  services?: readonly string[];
}

/** Parses `X-Sdk-Date` (`yyyyMMddTHHmmssZ`, spec 05 §1.7) into ms since epoch. */
export const parseSdkDate = parseCompactUtc;

/** Formats ms since epoch as `X-Sdk-Date`. */
export const formatSdkDate = formatCompactUtc;

/** Server-side verification of spec 05 §2.5, steps in order; the first failure is the answer. */
export async function verifyRequest(request: SignableRequest, options: VerifyOptions): Promise<VerifyResult> {
  const fail = (failure: VerifyFailure, detail: string): VerifyResult => ({ ok: false, failure, detail });
  const authorization = headerValue(request, 'authorization');
  if (authorization === undefined) return fail('missing-authorization', 'no Authorization header');
  const auth = parseAuthorization(authorization);
  if (!auth)
    return fail('malformed-authorization', 'Authorization is neither SDK-HMAC-SHA256 nor V11-HMAC-SHA256');

  const sdkDate = headerValue(request, 'x-sdk-date');
  const signedAt = sdkDate === undefined ? undefined : parseSdkDate(sdkDate);
  if (sdkDate === undefined || signedAt === undefined)
    return fail('bad-date', 'X-Sdk-Date must be yyyyMMddTHHmmssZ');
  const skew = Math.abs(options.now - signedAt);
  if (skew > (options.maxSkewMs ?? 15 * 60_000))
    return fail('date-skew', `X-Sdk-Date is ${Math.round(skew / 1000)} s away from server time`);

  const signed = auth.signedHeaders;
  const sortedUnique = signed.every((h, i) => h === h.toLowerCase() && (i === 0 || signed[i - 1]! < h));
  if (!sortedUnique || !signed.includes('x-sdk-date')) {
    return fail(
      'bad-signed-headers',
      'SignedHeaders must be lower-case, sorted, unique and include x-sdk-date',
    );
  }
  const missing = signed.filter((h) => headerValue(request, h) === undefined);
  if (missing.length > 0)
    return fail('bad-signed-headers', `signed headers not in the request: ${missing.join(', ')}`);
  if (
    headerValue(request, 'x-sdk-content-sha256') !== undefined &&
    !signed.includes('x-sdk-content-sha256')
  ) {
    return fail('bad-signed-headers', 'X-Sdk-Content-Sha256 must be signed');
  }

  let scope: string | undefined;
  if (auth.scope) {
    if (auth.scope.date !== sdkDate.slice(0, 8))
      return fail('bad-scope', 'credential scope date differs from X-Sdk-Date');
    if (!(options.services ?? ['iotdm']).includes(auth.scope.service))
      return fail('bad-scope', `service ${auth.scope.service} is not accepted`);
    scope = `${auth.scope.date}/${auth.scope.region}/${auth.scope.service}`;
  }

  const secretKey = await options.secretOf(auth.accessKey);
  if (secretKey === undefined) return fail('unknown-access-key', 'unknown or disabled access key');

  const expected = computeSignature(
    auth.scheme,
    { accessKey: auth.accessKey, secretKey },
    sdkDate,
    canonicalRequest(request, signed),
    scope,
  );
  const match = timingSafeEqual(Buffer.from(expected, 'utf8'), Buffer.from(auth.signature, 'utf8'));
  return match
    ? { ok: true, accessKey: auth.accessKey }
    : fail('signature-mismatch', 'signature does not match the request');
}
