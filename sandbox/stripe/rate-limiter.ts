/**
 * Token bucket for Stripe's test-mode limit (25 read+write requests per second), scaled by one
 * factor shared with the connector's limit policy. Uses real (monotonic) time, not the injected
 * clock: the limit is about how fast the client actually calls.
 */
export const TEST_MODE_RATE = 25;

export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  readonly rate: number;

  constructor(scale: number | undefined) {
    const s = scale === undefined ? 1 : scale;
    this.rate = s === 0 || !Number.isFinite(s) ? Infinity : TEST_MODE_RATE * s;
    this.tokens = this.rate;
  }

  /** true when a request may proceed */
  take(): boolean {
    if (this.rate === Infinity) return true;
    const now = performance.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  reset(): void {
    this.tokens = this.rate;
    this.last = performance.now();
  }
}
