import PQueue from 'p-queue';
import { VendorError, type RateLimitPolicy } from '../../connectors/connector';
import { backoffDelay } from './backoff';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One per connection: paces calls with the vendor's concurrency and interval caps (p-queue) and
 * retries retryable failures (429, 5xx, timeouts, dropped connections) with exponential backoff
 * and full jitter, never sooner than the vendor's Retry-After. Non-retryable errors and the last
 * failed attempt are thrown to the caller, which records them in sync_errors.
 */
export class RateLimiter {
  private readonly queue: PQueue;
  calls = 0;
  retries = 0;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly random: () => number = Math.random,
  ) {
    this.queue = new PQueue({
      concurrency: policy.concurrency,
      interval: policy.intervalMs,
      intervalCap: policy.intervalCap,
    });
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.calls++;
        return await this.queue.add(fn);
      } catch (err) {
        const retryable = err instanceof VendorError && err.retryable;
        if (!retryable || attempt + 1 >= this.policy.maxAttempts) throw err;
        this.retries++;
        await sleep(
          backoffDelay(
            attempt,
            { baseMs: this.policy.baseDelayMs, maxMs: this.policy.maxDelayMs, floorMs: err.retryAfterMs },
            this.random,
          ),
        );
      }
    }
  }

  /** Waits for queued calls to settle (shutdown). */
  async idle() {
    await this.queue.onIdle();
  }
}
