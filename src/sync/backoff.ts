/**
 * Exponential backoff with full jitter (AWS architecture blog): a random delay in
 * [0, min(max, base * 2^attempt)], never below `floor` (e.g. a vendor's Retry-After).
 * `random` is injectable so tests are deterministic.
 */
export function backoffDelay(
  attempt: number,
  opts: { baseMs: number; maxMs: number; floorMs?: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(opts.floorMs ?? 0, jittered);
}

/** Backoff of a failed delivery between attempts (sync_errors): 5 s doubling up to 1 h, jittered ±50%. */
export function deliveryRetryDelay(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(3600_000, 5000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/** After this many failed attempts a delivery is dead and waits for an operator. */
export const MAX_DELIVERY_ATTEMPTS = 10;
