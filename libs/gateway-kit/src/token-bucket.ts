/**
 * A byte-rate limit of one connection (spec 04 §1.3.2 FC-4: 3072 B/s by default), as a token bucket holding one
 * second of traffic. `take` answers how long the caller should wait before going on; the transport stops reading
 * the connection for that long (backpressure, nothing acknowledged is dropped) and closes it when the wait would be
 * too long (a flood).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerS: number,
    now: number,
    private readonly burst = ratePerS,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes `amount`; returns the wait in ms before the taker is within its rate (0: at once). */
  take(amount: number, now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerS) / 1000);
    this.updatedAt = now;
    this.tokens -= amount;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerS);
  }
}
