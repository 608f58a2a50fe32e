export {
  type SignableRequest,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  emptyBodySha256,
  encodeUnreserved,
  sha256Hex,
} from './canonical-request';
export {
  type ParsedAuthorization,
  type SignOptions,
  type SigningScheme,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
  computeSignature,
  derivedKey,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  signRequest,
  verifyRequest,
} from './signature';
