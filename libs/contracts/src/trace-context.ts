import { randomHex } from './random-ids';

// W3C Trace Context §3.2: version "00", 16-byte trace id, 8-byte parent id, 1-byte flags, lowercase hex.
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

const zeros = '0'.repeat(32);

/** A fresh sampled root traceparent (16-byte trace id, 8-byte parent id), for events that arrive without one. */
export function newTraceparent(): string {
  let traceId = randomHex(16);
  let parentId = randomHex(8);
  while (traceId === zeros) traceId = randomHex(16); // all zeros is invalid (§3.2.2.3)
  while (parentId === zeros.slice(16)) parentId = randomHex(8);
  return `00-${traceId}-${parentId}-01`;
}
