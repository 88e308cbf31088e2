/** Public types of the Stripe sandbox emulator (kept stable: the sync engine and connector depend on them). */

export interface StripeEmulatorOptions {
  /** 0 = random free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  clock?: { now(): Date };
  /** multiplies the 25 req/s test-mode limit; Infinity or 0 = no limit */
  rateLimitScale?: number;
  webhookSecret?: string;
  /** accepted secret key; default accepts any sk_test_... */
  apiKey?: string;
}

export interface StripeFaults {
  /** added to every /v1 request before it is handled */
  latencyMs?: number;
  /** probability (0..1) of answering 429 rate_limit instead of handling */
  rate429?: number;
  /** probability (0..1) of answering 500 api_error instead of handling */
  rate500?: number;
  /** probability (0..1) of destroying the socket without an answer */
  rateDrop?: number;
  /** probability (0..1) of holding the request silently for timeoutMs, then closing the socket */
  rateTimeout?: number;
  /** how long a timed-out request hangs (default 30000; set the SDK's `timeout` below it) */
  timeoutMs?: number;
  /** where a dropped or timed-out request dies: before the write is applied, after it, or either (default) */
  dropPhase?: 'before' | 'after' | 'random';
  /** the next n /v1 requests answer 500 */
  failNext?: number;
}

export interface WebhookDeliveryOptions {
  /** probability (0..1) that an event is delivered twice */
  duplicateRate?: number;
  /** deliver queued events in random order */
  shuffle?: boolean;
  /** hold deliveries until flushWebhooks() (default false: deliver as soon as possible) */
  manual?: boolean;
}

export interface StripeCounters {
  /** "POST /v1/customers/{id}" → count; ids are replaced by {id} */
  requests: Record<string, number>;
  /** POST/DELETE /v1 requests that reached a handler (replays excluded) */
  writeCalls: number;
  /** requests answered with 429 (rate limit or injected) */
  rateLimited: number;
  /** requests answered with an injected 500 */
  injected500: number;
  /** sockets destroyed by the drop fault */
  dropped: number;
  /** requests held until timeoutMs by the timeout fault */
  timedOut: number;
  /** idempotent replays served */
  replays: number;
  /** webhook deliveries attempted */
  webhooksDelivered: number;
}

export interface StripeControl {
  setFaults(f: StripeFaults): void;
  getFaults(): StripeFaults;
  /** run time-based processes (ACH settlement, payouts, event retention) at the clock's now */
  tick(): Promise<void>;
  /** moves the emulator's own clock offset forward then ticks (works with any injected clock) */
  advance(ms: number): Promise<void>;
  setWebhookDelivery(o: WebhookDeliveryOptions): void;
  /** deliver every queued webhook and wait for the endpoints' answers */
  flushWebhooks(): Promise<number>;
  counters(): StripeCounters;
  resetCounters(): void;
  /** create a dispute on a charge (as if the cardholder disputed it) */
  createDispute(chargeId: string, reason?: string): Promise<Record<string, unknown>>;
  /** complete (succeed=true, default) or fail the 3DS challenge of an intent in requires_action */
  authenticate(intentId: string, succeed?: boolean): Promise<Record<string, unknown>>;
  /** drop every object, event, idempotency key, counter and fault */
  reset(): void;
  now(): Date;
  /** bulk past charges with refunds, disputes and daily payouts (demo and benches; sandbox/stripe/history.seed.ts) */
  seedHistory(o: import('./history.seed').HistoryOptions): {
    charges: number;
    refunds: number;
    disputes: number;
    payouts: number;
  };
}

export interface StripeEmulator {
  url: string;
  port: number;
  host: string;
  webhookSecret: string;
  control: StripeControl;
  close(): Promise<void>;
}

export type StripeObject = Record<string, any>;
