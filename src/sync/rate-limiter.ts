import PQueue from 'p-queue';
import { VendorError, type RateLimitPolicy } from '../../connectors/connector';
import { backoffDelay } from './backoff';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const DAY_MS = 86_400_000;

/**
 * One per connection: paces calls with the vendor's concurrency and interval caps (p-queue) and
 * retries retryable failures (429, 5xx, timeouts, dropped connections) with exponential backoff
 * and full jitter, never sooner than the vendor's Retry-After. Non-retryable errors and the last
 * failed attempt are thrown to the caller, which records them in sync_errors. A daily budget
 * (Xero: 5000/day) is counted per UTC day and refused before calling, not discovered by failing;
 * the count is per process, so a deployment of N workers gives each budget/N.
 */
export class RateLimiter {
  private readonly queue: PQueue;
  calls = 0;
  retries = 0;
  private day = -1;
  private usedToday = 0;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly random: () => number = Math.random,
    private readonly nowMs: () => number = Date.now,
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
        this.spendBudget();
        this.calls++;
        return await this.queue.add(fn);
      } catch (err) {
        const retryable = err instanceof VendorError && err.retryable && err.code !== 'daily_budget';
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

  /** Calls left today, or undefined when the vendor has no daily budget. */
  remainingToday(): number | undefined {
    if (this.policy.dailyBudget === undefined) return undefined;
    return this.policy.dailyBudget - (this.day === Math.floor(this.nowMs() / DAY_MS) ? this.usedToday : 0);
  }

  private spendBudget() {
    if (this.policy.dailyBudget === undefined) return;
    const now = this.nowMs();
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.usedToday = 0;
    }
    if (this.usedToday >= this.policy.dailyBudget)
      throw new VendorError(
        'rate_limited',
        `daily request budget of ${this.policy.dailyBudget} is spent; it renews at 00:00 UTC`,
        'daily_budget',
        (day + 1) * DAY_MS - now,
      );
    this.usedToday++;
  }

  /** Waits for queued calls to settle (shutdown). */
  async idle() {
    await this.queue.onIdle();
  }
}
