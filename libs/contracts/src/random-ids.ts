import { randomFillSync } from 'node:crypto';

// Random ids for bus events, drawn from the OS a pool at a time. Every uplink needs an event id and a trace context
// (40 random bytes); per-call randomUUID and randomBytes cost a tenth of an uplink's CPU (bench:mqtt).

const pool = Buffer.alloc(16 * 1024);
let used = pool.length;

/** `bytes` fresh random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += bytes;
  return pool.toString('hex', at, at + bytes);
}

const variants = '89ab';

/** A random (version 4) UUID, as `crypto.randomUUID` makes it. */
export function newEventId(): string {
  const h = randomHex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variants[Number.parseInt(h[16]!, 16) & 3]}${h.slice(17, 20)}-${h.slice(20)}`;
}
