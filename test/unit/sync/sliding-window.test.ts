import { SlidingWindow } from '../../../src/sync/rate-limiter';

/** Drives a window on a fake clock: each call starts as soon as the window allows. */
function starts(cap: number, windowMs: number, calls: number, pauseAt?: { call: number; ms: number }) {
  let now = 0;
  const w = new SlidingWindow(cap, windowMs, () => now);
  const at: number[] = [];
  for (let i = 0; i < calls; i++) {
    if (pauseAt?.call === i) w.pause(pauseAt.ms);
    now += w.wait();
    w.take();
    at.push(now);
  }
  return at;
}

describe('SlidingWindow', () => {
  it('never starts more than cap calls in any window, evenly spaced at the full rate', () => {
    const at = starts(25, 1000, 500);
    for (let i = 25; i < at.length; i++) expect(at[i] - at[i - 25]).toBeGreaterThanOrEqual(1000);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeCloseTo(40, 6);
    expect(at[at.length - 1]).toBeCloseTo(499 * 40, 6);
  });

  it('allows only a small burst (margin × cap) and still keeps cap per window', () => {
    const at = starts(100, 1000, 400);
    expect(at.slice(0, 4)).toEqual([0, 0, 0, 0]); // 3% of 100 ahead of the even pace, then spaced
    expect(at[4]).toBeGreaterThan(0);
    for (let i = 100; i < at.length; i++) expect(at[i] - at[i - 100]).toBeGreaterThanOrEqual(1000);
  });

  it('stays within a token bucket of cap tokens refilled continuously (the vendor side)', () => {
    const cap = 25;
    const at = starts(cap, 1000 * 1.03, 1000);
    let tokens = cap;
    let last = 0;
    for (const t of at) {
      tokens = Math.min(cap, tokens + ((t - last) / 1000) * cap);
      last = t;
      expect(tokens).toBeGreaterThanOrEqual(1);
      tokens -= 1;
    }
  });

  it('after a refusal nobody starts until the pause is over', () => {
    const at = starts(10, 1000, 12, { call: 3, ms: 500 });
    expect(at.slice(0, 3)).toEqual([0, 100, 200]);
    expect(at[3]).toBe(700);
  });
});
