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

describe('SlidingWindow catch-up', () => {
  /** Starts on a fake clock where calls wait from `readyAt`, but the pump runs late at `lateTo`. */
  function lateStarts(cap: number, windowMs: number, lateTo: number, calls: number) {
    let now = 0;
    const w = new SlidingWindow(cap, windowMs, () => now);
    const at: number[] = [];
    for (let i = 0; i < calls; i++) {
      now += w.wait();
      if (i === 2) now = Math.max(now, lateTo); // the event loop was busy when call 2 was due
      w.take(0); // every call has been waiting since 0
      at.push(now);
    }
    return at;
  }

  it('makes up the starts a late pump missed, up to 3 spacings of them', () => {
    // Spacing 100: call 2 was due at 200 but starts at 450; 300 and 400 are made up at once.
    expect(lateStarts(10, 1000, 450, 6)).toEqual([0, 100, 450, 450, 450, 500]);
    // Late by 800: only 3 spacings are made up (due 800, 900, 1000), then the pace resumes.
    expect(lateStarts(10, 1000, 1000, 7)).toEqual([0, 100, 1000, 1000, 1000, 1000, 1100]);
  });

  it('makes up nothing for a call that was not waiting (idle is not lateness)', () => {
    let now = 0;
    const w = new SlidingWindow(10, 1000, () => now);
    w.take();
    now = 5000;
    expect(w.wait()).toBe(0);
    w.take(); // ready only now
    expect(w.wait()).toBe(100);
  });

  /** Starts with random event-loop pauses and idle gaps (same sequence for a given cap). */
  function jittered(cap: number, windowMs: number, makeUp: boolean) {
    let seed = cap;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let now = 0;
    let readySince = 0;
    const w = new SlidingWindow(cap, windowMs, () => now);
    const at: number[] = [];
    for (let i = 0; i < 40 * cap; i++) {
      now += w.wait();
      const r = random();
      if (r < 0.2) now += random() * 6 * (windowMs / cap); // the pump runs late
      if (r > 0.95) readySince = now += random() * windowMs; // nobody was waiting
      w.take(makeUp ? readySince : now);
      at.push(now);
    }
    return at;
  }

  it('never starts more than cap calls in any window, however late the pump runs', () => {
    for (const cap of [3, 25, 100]) {
      const windowMs = 1030;
      const at = jittered(cap, windowMs, true);
      for (let i = cap; i < at.length; i++)
        expect(at[i] - at[i - cap]).toBeGreaterThanOrEqual(windowMs - 1e-9);
      // The made-up starts finish the same calls sooner than a pace that restarts after each delay
      // (at cap 100 the burst tolerance of 3 spacings already absorbs most delays).
      const plain = jittered(cap, windowMs, false);
      if (cap <= 25) expect(at[at.length - 1]).toBeLessThan(plain[plain.length - 1] * 0.95);
    }
  });
});
