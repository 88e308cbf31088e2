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
/** Starts a late pump may make up (see SlidingWindow.take). */
export const CATCH_UP_SPACINGS = 3;

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
  private readonly catchUp: number;

  constructor(
    private readonly cap: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.spacing = windowMs / cap;
    this.tolerance = this.spacing * Math.floor(cap * WINDOW_MARGIN);
    this.catchUp = this.spacing * CATCH_UP_SPACINGS;
  }

  /** ms until a call may start (0 = now). */
  wait(): number {
    const now = this.now();
    const full =
      this.starts.length >= this.cap ? this.starts[this.starts.length - this.cap] + this.windowMs : 0;
    return Math.max(0, this.pausedUntil - now, full - now, this.due - this.tolerance - now);
  }

  /**
   * Records a call starting now. `readySince`: since when a call has been ready to start (it
   * waited while the pace allowed it, e.g. the event loop was busy): the starts it missed are made
   * up, at most CATCH_UP_SPACINGS of them, instead of the pace shifting later by that delay. The
   * cap per window still holds, so a catch-up never exceeds what the vendor allows.
   */
  take(readySince?: number) {
    const now = this.now();
    this.starts.push(now);
    if (this.starts.length > 2 * this.cap) this.starts.splice(0, this.starts.length - this.cap);
    const ready = Math.max(Math.min(readySince ?? now, now), this.pausedUntil, now - this.catchUp);
    this.due = Math.max(this.due, ready) + this.spacing;
  }

  /** The vendor refused us (429): nobody calls for `ms` (its Retry-After, or one call's share). */
  pause(ms: number) {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Average spacing of calls at the full rate. */
  get spacingMs() {
    return this.spacing;
  }

  /** This window's clock (ms). */
  get clock() {
    return this.now();
  }
}

export interface RunOptions {
  /** Higher starts first among calls waiting for the pace; default 0 (oldest first among equals). */
  priority?: number;
}

interface Waiter {
  priority: number;
  /** When it began waiting (the window's clock). */
  since: number;
  start: () => void;
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
 *
 * Starts are granted by one pump on one timer: each start, as the pace allows it, goes to the
 * highest-priority call waiting, and only while p-queue has a free slot — a call waits for its
 * turn outside p-queue, so a list that can only ask for its next page once the last came back is
 * not queued behind a crowd of paced calls, and no sleeping call holds a concurrency slot.
 */
export class RateLimiter {
  private readonly queue: PQueue;
  private readonly window: SlidingWindow;
  private readonly waiting: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Calls granted a start and not yet settled (p-queue's own count lags by a microtask). */
  private active = 0;
  /** When a concurrency slot last came free (starts are not owed while all slots are busy). */
  private freedAt = -Infinity;
  calls = 0;
  retries = 0;
  private day = -1;
  private usedToday = 0;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly random: () => number = Math.random,
    private readonly nowMs: () => number = Date.now,
    window?: SlidingWindow,
  ) {
    this.queue = new PQueue({ concurrency: policy.concurrency });
    this.window =
      window ?? new SlidingWindow(Math.max(1, policy.intervalCap), policy.intervalMs * (1 + WINDOW_MARGIN));
  }

  async run<T>(fn: () => Promise<T>, opts: RunOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.spendBudget();
        this.calls++;
        return await this.paced(fn, opts.priority ?? 0);
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

  /** Runs `fn` once the pump grants it a start. */
  private paced<T>(fn: () => Promise<T>, priority: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        this.queue
          .add(fn)
          .then(resolve, reject)
          .finally(() => {
            this.active--;
            this.freedAt = this.window.clock;
            this.pump();
          });
      };
      this.waiting.push({ priority, since: this.window.clock, start });
      this.pump();
    });
  }

  /** Hands every start the pace allows now to the best waiter; sets one timer for the next. */
  private pump() {
    while (this.waiting.length && this.active < this.policy.concurrency) {
      const ms = this.window.wait();
      if (ms > 0) {
        if (!this.timer)
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, Math.ceil(ms));
        return;
      }
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++)
        if (this.waiting[i].priority > this.waiting[best].priority) best = i;
      let since = Infinity;
      for (const w of this.waiting) since = Math.min(since, w.since);
      const [next] = this.waiting.splice(best, 1);
      this.window.take(Math.max(since, this.freedAt));
      next.start();
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

  /** Waits for waiting and queued calls to settle (shutdown). */
  async idle() {
    while (this.waiting.length) await sleep(this.window.spacingMs);
    await this.queue.onIdle();
  }
}
