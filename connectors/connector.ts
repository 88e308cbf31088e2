/**
 * The Connector contract: the only thing the sync engine knows about a vendor. A connector knows
 * its SDK and this contract, never the database; the engine owns links, hashes, retries and
 * rate limiting (it reads `rateLimit` and classifies failures through `VendorError`).
 */
import type { z } from 'zod';
import type { Clock } from '../src/app/clock';

export type Direction = 'push' | 'pull';
export type PushOp = 'create' | 'update' | 'archive';

/** What a connector can do for one canonical object (e.g. contact → Stripe customer). */
export interface Capability {
  /** Canonical object name, as in sync_outbox.object (`contact`, `company`, …). */
  object: string;
  /** The vendor's object it maps to (`customer`). */
  target: string;
  directions: Direction[];
  ops: PushOp[];
}

/**
 * Request pacing for one connection (src/sync/rate-limiter.ts): at most `concurrency` calls in
 * flight, starts paced evenly to `intervalCap` per `intervalMs` and never more than that in any
 * sliding window (both with a small safety margin), plus exponential backoff with full jitter
 * between `baseDelayMs` and `maxDelayMs` for retryable failures (429/5xx/network), honouring
 * Retry-After when the vendor sends it; a 429 pauses the whole connection.
 */
export interface RateLimitPolicy {
  concurrency: number;
  intervalMs: number;
  intervalCap: number;
  /** Attempts inside one delivery before it is handed back to sync_errors' slower backoff. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tracked daily budget (Xero 5000/day); undefined when the vendor has none. */
  dailyBudget?: number;
}

/** Our reference carried by every pushed record (Stripe metadata, QBO DocNumber, Xero Reference). */
export interface Reference {
  object: string;
  localId: number;
}

export interface PushItem {
  op: PushOp;
  reference: Reference;
  /** Present for update/archive; absent for create. */
  externalId?: string;
  /** The mapped payload (already carries the reference fields the vendor stores). */
  payload: Record<string, unknown>;
  /** Deterministic, derived from (connection, object, local id, version) by the engine. */
  idempotencyKey: string;
}

export type PushResult =
  { ok: true; externalId: string; externalVersion?: string | null } | { ok: false; error: VendorError };

export interface ExternalRef {
  externalId: string;
  externalVersion?: string | null;
}

export interface PullRecord {
  externalId: string;
  reference?: string | null;
  amountMinor?: number | null;
  currency?: string | null;
  date?: string | null;
  status?: string | null;
  data: Record<string, unknown>;
}

export interface PullPage {
  records: PullRecord[];
  /** Opaque; null when the source is exhausted for now. */
  nextCursor: string | null;
}

export interface WebhookEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
}

export interface Connector {
  readonly vendor: string;
  readonly capabilities: Capability[];
  readonly rateLimit: RateLimitPolicy;
  /** Pushes items of one object; one result per item, in order. Never throws for one bad item. */
  push(object: string, items: PushItem[]): Promise<PushResult[]>;
  /** Finds a record we pushed by our reference (healing after a crash between call and commit). */
  findByReference(
    object: string,
    ref: Reference,
    payload: Record<string, unknown>,
  ): Promise<ExternalRef | null>;
  /** One page of vendor records after `cursor`. */
  pull?(object: string, cursor: string | null): Promise<PullPage>;
  /** Checks a webhook's signature and returns the event; throws VendorError('signature') otherwise. */
  verifyWebhook?(rawBody: string, headers: Record<string, string | string[] | undefined>): WebhookEvent;
  close?(): Promise<void>;
}

export interface ConnectorOptions<C = unknown, S = unknown> {
  credentials: C;
  settings: S;
  clock: Clock;
}

/** Registered in connectors/registry.ts; validates its options and fails fast with a clear message. */
export interface ConnectorFactory<C = any, S = any> {
  vendor: string;
  capabilities: Capability[];
  credentials: z.ZodType<C>;
  settings: z.ZodType<S>;
  create(opts: ConnectorOptions<C, S>): Connector;
}

export type VendorErrorKind =
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'invalid'
  | 'not_found'
  | 'auth'
  | 'conflict'
  | 'signature';

const RETRYABLE: ReadonlySet<VendorErrorKind> = new Set([
  'rate_limited',
  'server',
  'network',
  'timeout',
  'conflict',
]);

/** A vendor failure classified once, in the connector, so the engine can decide on retries. */
export class VendorError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly kind: VendorErrorKind,
    message: string,
    readonly code: string = kind,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'VendorError';
    this.retryable = RETRYABLE.has(kind);
  }
}
