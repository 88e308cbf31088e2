/**
 * Stripe's Idempotency-Key semantics for POSTs: the first request that starts executing stores
 * its answer (success or error) for 24 h; the same key with the same parameters replays it with
 * `Idempotent-Replayed: true`; with other parameters (or another path) it is a 400
 * idempotency_error; while the first is still running, a concurrent one gets 409.
 * Validation failures, rate limits and injected faults store nothing, as on Stripe.
 */
import { createHash } from 'node:crypto';
import { StripeApiError, withDoc } from './stripe.errors';

export interface StoredAnswer {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  fingerprint: string;
  createdMs: number;
  answer?: StoredAnswer;
}

const TTL_MS = 24 * 3600 * 1000;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  static fingerprint(method: string, path: string, params: unknown): string {
    return createHash('sha256')
      .update(`${method} ${path} ${canonical(params)}`)
      .digest('hex');
  }

  /** Returns a stored answer to replay, or undefined when the caller should execute. */
  begin(key: string, fingerprint: string, nowMs: number): StoredAnswer | undefined {
    const e = this.entries.get(key);
    if (e && nowMs - e.createdMs > TTL_MS) this.entries.delete(key);
    else if (e) {
      if (e.fingerprint !== fingerprint)
        throw new StripeApiError(
          400,
          withDoc({
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          }),
        );
      if (!e.answer)
        throw new StripeApiError(
          409,
          withDoc({
            type: 'idempotency_error',
            code: 'idempotency_key_in_use',
            message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
          }),
        );
      return e.answer;
    }
    this.entries.set(key, { fingerprint, createdMs: nowMs });
    return undefined;
  }

  finish(key: string, answer: StoredAnswer): void {
    const e = this.entries.get(key);
    if (e) e.answer = answer;
  }

  /** The request never started executing (e.g. validation failed): forget the key. */
  abandon(key: string): void {
    const e = this.entries.get(key);
    if (e && !e.answer) this.entries.delete(key);
  }

  reset(): void {
    this.entries.clear();
  }
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
