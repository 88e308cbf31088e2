import PQueue from 'p-queue';
import { VendorError, type RateLimitPolicy } from '../../connectors/connector';
import { backoffDelay } from './backoff';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const DAY_MS = 86_400_000;
/**
 * The window is stretched by this share: our clock starts a call a little before the vendor sees
 * it, and calls that leave evenly may arrive bunched; 3% keeps us just inside the vendor's limit.
 */
export const WINDOW_MARGIN = 0.03;

/**
 * Paces call starts two ways at once, both with the margin above:
 *  - evenly: one start per window/cap (GCRA), with a burst of at most margin·cap starts. The
 *    vendor's token bucket (Stripe refills cap per window continuously) is then never drained,
 *    so it absorbs the jitter between our start and its arrival (an event-loop pause, a GC) —
 *    a client that spends the whole cap at once leaves no slack, and late arrivals meet 429s;
 *  - at most `cap` starts in any window (sliding over the last `cap` start times), so a
 *    fixed per-window counter (Xero, QuickBooks) is never passed either.
 */
export class SlidingWindow {
  private readonly starts: number[] = [];
  private pausedUntil = 0;
  /** GCRA: when the next start is due at the even pace. */
  private due = -Infinity;
  private readonly spacing: number;
  private readonly tolerance: number;

  constructor(
    private readonly cap: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.spacing = windowMs / cap;
    this.tolerance = this.spacing * Math.floor(cap * WINDOW_MARGIN);
  }

  /** ms until a call may start (0 = now). */
  wait(): number {
    const now = this.now();
    const full =
      this.starts.length >= this.cap ? this.starts[this.starts.length - this.cap] + this.windowMs : 0;
    return Math.max(0, this.pausedUntil - now, full - now, this.due - this.tolerance - now);
  }

  /** Records a call starting now. */
  take() {
    const now = this.now();
    this.starts.push(now);
    if (this.starts.length > 2 * this.cap) this.starts.splice(0, this.starts.length - this.cap);
    this.due = Math.max(this.due, now) + this.spacing;
  }

  /** The vendor refused us (429): nobody calls for `ms` (its Retry-After, or one call's share). */
  pause(ms: number) {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Average spacing of calls at the full rate. */
  get spacingMs() {
    return this.spacing;
  }
}

export interface RunOptions {
  /** Higher runs first among queued calls (p-queue priority); default 0. */
  priority?: number;
}

/**
 * One per connection: paces calls with the vendor's concurrency cap (p-queue) and its rate cap
 * (evenly spaced, within a sliding window, with a small safety margin: see SlidingWindow), and retries retryable
 * failures (429, 5xx, timeouts, dropped connections) with exponential backoff and full jitter,
 * never sooner than the vendor's Retry-After. A 429 also pauses every other call of the
 * connection, so one refusal does not turn into a burst of them. Non-retryable errors and the
 * last failed attempt are thrown to the caller, which records them in sync_errors. A daily budget
 * (Xero: 5000/day) is counted per UTC day and refused before calling, not discovered by failing;
 * the count is per process, so a deployment of N workers gives each budget/N.
 */
export class RateLimiter {
  private readonly queue: PQueue;
  private readonly window: SlidingWindow;
  calls = 0;
  retries = 0;
  private day = -1;
  private usedToday = 0;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly random: () => number = Math.random,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.queue = new PQueue({ concurrency: policy.concurrency });
    this.window = new SlidingWindow(Math.max(1, policy.intervalCap), policy.intervalMs * (1 + WINDOW_MARGIN));
  }

  async run<T>(fn: () => Promise<T>, opts: RunOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.spendBudget();
        this.calls++;
        return await this.queue.add(
          async () => {
            for (let ms; (ms = this.window.wait()) > 0;) await sleep(ms);
            this.window.take();
            return fn();
          },
          { priority: opts.priority ?? 0 },
        );
      } catch (err) {
        const retryable = err instanceof VendorError && err.retryable && err.code !== 'daily_budget';
        if (err instanceof VendorError && err.kind === 'rate_limited' && err.code !== 'daily_budget')
          this.window.pause(err.retryAfterMs ?? this.window.spacingMs);
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
