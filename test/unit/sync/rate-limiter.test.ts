import { VendorError, type RateLimitPolicy } from '../../../connectors/connector';
import { RateLimiter } from '../../../src/sync/rate-limiter';

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
