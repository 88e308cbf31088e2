import { VendorError, type RateLimitPolicy } from '../../../connectors/connector';
import { RateLimiter, SlidingWindow } from '../../../src/sync/rate-limiter';

const policy = (over: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({
  concurrency: 2,
  intervalMs: 1000,
  intervalCap: 100,
  maxAttempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 5,
  ...over,
});

describe('RateLimiter', () => {
  it('retries retryable vendor errors and returns the eventual answer', async () => {
    const limiter = new RateLimiter(policy());
    let n = 0;
    const result = await limiter.run(async () => {
      if (++n < 3) throw new VendorError(n === 1 ? 'rate_limited' : 'server', 'try again');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect([n, limiter.retries]).toEqual([3, 2]);
  });

  it('never retries a definitive error and gives up after maxAttempts', async () => {
    const limiter = new RateLimiter(policy());
    let n = 0;
    await expect(
      limiter.run(async () => {
        n++;
        throw new VendorError('invalid', 'bad parameter');
      }),
    ).rejects.toThrow('bad parameter');
    expect(n).toBe(1);
    let m = 0;
    await expect(
      limiter.run(async () => {
        m++;
        throw new VendorError('network', 'reset');
      }),
    ).rejects.toThrow('reset');
    expect(m).toBe(4);
  });

  it('waits at least Retry-After before the next attempt', async () => {
    const limiter = new RateLimiter(policy(), () => 0);
    const at: number[] = [];
    await limiter.run(async () => {
      at.push(Date.now());
      if (at.length === 1) throw new VendorError('rate_limited', '429', 'rate_limit', 120);
      return true;
    });
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(110);
  });

  it('keeps to the concurrency cap', async () => {
    const limiter = new RateLimiter(policy({ concurrency: 3 }));
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        limiter.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('tracks a daily budget and refuses before calling, renewing at midnight UTC', async () => {
    let now = Date.parse('2026-03-01T23:59:00Z');
    const limiter = new RateLimiter(policy({ dailyBudget: 2 }), Math.random, () => now);
    const calls: number[] = [];
    await limiter.run(async () => calls.push(1));
    await limiter.run(async () => calls.push(2));
    expect(limiter.remainingToday()).toBe(0);
    const refused = await limiter.run(async () => calls.push(3)).catch((e: VendorError) => e);
    expect(refused).toMatchObject({ code: 'daily_budget', retryAfterMs: 60_000 });
    expect(calls).toEqual([1, 2]);
    now += 60_000;
    await limiter.run(async () => calls.push(4));
    expect(calls).toEqual([1, 2, 4]);
  });
});

/** A window on the real clock that notes each start at the time it recorded. */
class NotedWindow extends SlidingWindow {
  readonly at: number[] = [];
  constructor(cap: number, windowMs: number, now: () => number = () => performance.now()) {
    let clock = 0;
    super(cap, windowMs, () => (clock = now()));
    this.read = () => clock;
  }
  private readonly read: () => number;
  override take(readySince?: number) {
    super.take(readySince);
    this.at.push(this.read());
  }
}

describe('RateLimiter start grants', () => {
  it('grants each paced start to the highest priority waiting, oldest first among equals', async () => {
    // The clock stands still while the calls queue (a slow machine must not start low1 meanwhile).
    let frozen = true;
    const t0 = performance.now();
    const window = new NotedWindow(10, 100, () => (frozen ? 0 : performance.now() - t0));
    const limiter = new RateLimiter(policy({ concurrency: 8 }), Math.random, Date.now, window);
    const order: string[] = [];
    const call = (name: string, priority: number) =>
      limiter.run(async () => void order.push(name), { priority });
    const calls = [call('low0', 0), call('low1', 0), call('low2', 0), call('mid0', 1)];
    calls.push(call('high0', 5), call('high1', 5), call('mid1', 1));
    frozen = false;
    await Promise.all(calls);
    // low0 found the pace free and started at once; every later start went by priority.
    expect(order).toEqual(['low0', 'high0', 'high1', 'mid0', 'mid1', 'low1', 'low2']);
  });

  it('starts nothing beside busy slots, and a freed slot goes to the highest priority waiting', async () => {
    const limiter = new RateLimiter(policy({ concurrency: 1, intervalCap: 1000 }));
    const order: string[] = [];
    let release!: () => void;
    const slow = limiter.run(() => new Promise<void>((r) => (release = r)));
    const low = limiter.run(async () => void order.push('low'), { priority: 0 });
    await new Promise((r) => setTimeout(r, 10));
    const high = limiter.run(async () => void order.push('high'), { priority: 3 });
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]); // the one slot is busy: nothing started beside it
    release();
    await Promise.all([slow, low, high]);
    expect(order).toEqual(['high', 'low']);
  });

  it('never grants more than cap starts in any window, with mixed priorities and durations', async () => {
    const window = new NotedWindow(10, 100);
    const limiter = new RateLimiter(policy({ concurrency: 4 }), Math.random, Date.now, window);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        limiter.run(
          async () => {
            peak = Math.max(peak, ++running);
            await new Promise((r) => setTimeout(r, (i * 7) % 13));
            running--;
          },
          { priority: i % 3 },
        ),
      ),
    );
    expect(window.at).toHaveLength(45);
    expect(peak).toBeLessThanOrEqual(4);
    for (let i = 10; i < window.at.length; i++)
      expect(window.at[i] - window.at[i - 10]).toBeGreaterThanOrEqual(100);
  });
});
