/**
 * The read side of a payment processor, as the payments module consumes it: processor objects
 * already translated into neutral records (integer minor units, upper-case ISO currency, Dates).
 * Implemented by connectors/stripe (stripe.payments.ts); the module never sees a Stripe object.
 * Every method throws a VendorError on failure so the sync engine's RateLimiter can retry it.
 */
export type ChargeStatus = 'processing' | 'succeeded' | 'failed' | 'canceled';

export interface ChargeRecord {
  kind: 'payment';
  externalId: string;
  intentId: string | null;
  customerExternalId: string | null;
  amountMinor: number;
  currency: string;
  status: ChargeStatus;
  method: 'card' | 'ach' | 'other';
  /** e.g. "visa •4242", "STRIPE TEST BANK •6789" */
  methodDetail: string | null;
  /** Known when the balance transaction was expanded; null otherwise. */
  feeMinor: number | null;
  balanceTxnId: string | null;
  amountRefundedMinor: number;
  disputed: boolean;
  createdAt: Date;
  description: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  metadata: Record<string, string>;
}

export interface RefundRecord {
  kind: 'refund';
  externalId: string;
  chargeExternalId: string;
  amountMinor: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  reason: string | null;
  createdAt: Date;
}

export interface DisputeRecord {
  kind: 'dispute';
  externalId: string;
  chargeExternalId: string;
  amountMinor: number;
  currency: string;
  status: string;
  reason: string | null;
  feeMinor: number;
  createdAt: Date;
  evidenceDueBy: Date | null;
}

export interface PayoutRecord {
  kind: 'payout';
  externalId: string;
  amountMinor: number;
  currency: string;
  status: string;
  arrivalDate: string | null;
  createdAt: Date;
}

export type BalanceCategory = 'charge' | 'refund' | 'dispute' | 'payout' | 'other';

export interface BalanceTxnRecord {
  kind: 'balance_transaction';
  externalId: string;
  type: string;
  category: BalanceCategory;
  sourceExternalId: string | null;
  payoutExternalId: string | null;
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  currency: string;
  createdAt: Date;
  availableOn: string | null;
}

export type ProcessorRecord = ChargeRecord | RefundRecord | DisputeRecord | PayoutRecord | BalanceTxnRecord;
export type ListKind = 'charge' | 'refund' | 'dispute' | 'payout';

export interface SourcePage<T = ProcessorRecord> {
  records: T[];
  /** Pass back to get the next page; null when exhausted. */
  next: string | null;
}

export interface EventsPage {
  /** In the order the processor created them (oldest first). */
  events: { id: string; type: string; record: ProcessorRecord | null }[];
  /** The newest event seen (the cursor to resume from). */
  cursor: string | null;
  hasMore: boolean;
}

/** Raised when the events cursor is older than the processor keeps events: a backfill is due. */
export class CursorExpiredError extends Error {}

export interface PaymentSource {
  readonly processor: string;
  /** The newest event id now, taken before a backfill so nothing between is missed. */
  latestEventId(): Promise<string | null>;
  /** Events after `cursor`, oldest first (throws CursorExpiredError when it is gone). */
  eventsAfter(cursor: string): Promise<EventsPage>;
  /** A list page, newest first, after `next` (a list backfill, beyond the events window). */
  listPage(kind: ListKind, next: string | null): Promise<SourcePage>;
  /** A payout's balance transactions (its composition), page by page. */
  payoutTransactions(payoutId: string, next: string | null): Promise<SourcePage<BalanceTxnRecord>>;
  retrieveCharge(id: string): Promise<ChargeRecord>;
  /** The fee of a charge from its balance transaction. */
  retrieveFee(balanceTxnId: string): Promise<number>;
}

/** A connector that collects money exposes both sides under `payments` (connectors/stripe). */
export interface PaymentCapable {
  payments: { source: PaymentSource; processor: import('./payment-processor.port').PaymentProcessor };
}

export function paymentsOf(connector: object): PaymentCapable['payments'] | null {
  const p = (connector as Partial<PaymentCapable>).payments;
  return p && typeof p.source === 'object' ? p : null;
}
