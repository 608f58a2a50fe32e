import { randomBytes } from 'node:crypto';

// W3C Trace Context §3.2: version "00", 16-byte trace id, 8-byte parent id, 1-byte flags, lowercase hex.
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isTraceparent(value: string): boolean {
  return TRACEPARENT.test(value);
}

/** A fresh sampled root traceparent, for events that arrive without one. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
