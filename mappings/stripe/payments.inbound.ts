/**
 * Stripe money objects → neutral payment records (src/payments/payment-source.port.ts). Pure
 * functions over the fields of API 2023-08-16 (all in spec3.yaml). Stripe's `amount` is already
 * in the currency's smallest unit (JPY 0 decimals, USD 2, KWD 3), which is our minor unit, so
 * amounts are copied as exact integers — never divided or multiplied.
 */
import type {
  BalanceCategory,
  BalanceTxnRecord,
  ChargeRecord,
  DisputeRecord,
  PayoutRecord,
  ProcessorRecord,
  RefundRecord,
} from '../../src/payments/payment-source.port';

type Obj = Record<string, any>;

const at = (sec: number) => new Date(sec * 1000);
const day = (sec: number | null | undefined) =>
  sec === null || sec === undefined ? null : new Date(sec * 1000).toISOString().slice(0, 10);
const upper = (c: string) => String(c).toUpperCase();
const int = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${field} is not an integer`);
  return v;
};
const idOf = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : String((v as Obj).id);

export function chargeToPayment(ch: Obj): ChargeRecord {
  const details = (ch.payment_method_details ?? {}) as Obj;
  const method = details.type === 'card' ? 'card' : details.type === 'us_bank_account' ? 'ach' : 'other';
  const methodDetail =
    method === 'card'
      ? `${details.card?.brand ?? 'card'} •${details.card?.last4 ?? ''}`
      : method === 'ach'
        ? `${details.us_bank_account?.bank_name ?? 'bank'} •${details.us_bank_account?.last4 ?? ''}`
        : (details.type ?? null);
  const bt = ch.balance_transaction;
  const expanded = bt && typeof bt === 'object';
  return {
    kind: 'payment',
    externalId: ch.id,
    intentId: idOf(ch.payment_intent),
    customerExternalId: idOf(ch.customer),
    amountMinor: int(ch.amount, 'amount'),
    currency: upper(ch.currency),
    status: ch.status === 'failed' ? 'failed' : ch.status === 'pending' ? 'processing' : 'succeeded',
    method,
    methodDetail,
    feeMinor: expanded ? int(bt.fee, 'fee') : null,
    balanceTxnId: idOf(bt),
    amountRefundedMinor: int(ch.amount_refunded ?? 0, 'amount_refunded'),
    disputed: Boolean(ch.disputed),
    createdAt: at(ch.created),
    description: ch.description ?? null,
    failureCode: ch.failure_code ?? null,
    failureMessage: ch.failure_message ?? null,
    metadata: { ...(ch.metadata ?? {}) },
  };
}

export function refundToRecord(re: Obj): RefundRecord {
  const status = ['pending', 'succeeded', 'failed', 'canceled'].includes(re.status) ? re.status : 'pending';
  return {
    kind: 'refund',
    externalId: re.id,
    chargeExternalId: idOf(re.charge)!,
    amountMinor: int(re.amount, 'amount'),
    currency: upper(re.currency),
    status,
    reason: re.reason ?? null,
    createdAt: at(re.created),
  };
}

export function disputeToRecord(dp: Obj): DisputeRecord {
  const txns = Array.isArray(dp.balance_transactions) ? (dp.balance_transactions as Obj[]) : [];
  return {
    kind: 'dispute',
    externalId: dp.id,
    chargeExternalId: idOf(dp.charge)!,
    amountMinor: int(dp.amount, 'amount'),
    currency: upper(dp.currency),
    status: String(dp.status),
    reason: dp.reason ?? null,
    feeMinor: txns.reduce((s, t) => s + (typeof t === 'object' ? int(t.fee ?? 0, 'fee') : 0), 0),
    createdAt: at(dp.created),
    evidenceDueBy: dp.evidence_details?.due_by ? at(dp.evidence_details.due_by) : null,
  };
}

export function payoutToRecord(po: Obj): PayoutRecord {
  return {
    kind: 'payout',
    externalId: po.id,
    amountMinor: int(po.amount, 'amount'),
    currency: upper(po.currency),
    status: String(po.status),
    arrivalDate: day(po.arrival_date),
    createdAt: at(po.created),
  };
}

/** What a balance transaction counts as in a payout's composition. */
export function balanceCategory(bt: Obj): BalanceCategory {
  const cat = bt.reporting_category as string | undefined;
  if (bt.type === 'payout' || cat === 'payout') return 'payout';
  if (bt.type === 'charge' || bt.type === 'payment' || cat === 'charge') return 'charge';
  if (bt.type === 'refund' || bt.type === 'payment_refund' || cat === 'refund') return 'refund';
  if (cat === 'dispute' || String(bt.source ?? '').startsWith('dp_')) return 'dispute';
  return 'other';
}

export function balanceTxnToRecord(bt: Obj, payoutExternalId: string | null): BalanceTxnRecord {
  return {
    kind: 'balance_transaction',
    externalId: bt.id,
    type: String(bt.type),
    category: balanceCategory(bt),
    sourceExternalId: idOf(bt.source),
    payoutExternalId,
    amountMinor: int(bt.amount, 'amount'),
    feeMinor: int(bt.fee, 'fee'),
    netMinor: int(bt.net, 'net'),
    currency: upper(bt.currency),
    createdAt: at(bt.created),
    availableOn: day(bt.available_on),
  };
}

/** The record an event carries, or null for events the hub does not mirror. */
export function eventToRecord(evt: Obj): ProcessorRecord | null {
  const obj = evt.data?.object as Obj | undefined;
  if (!obj) return null;
  switch (obj.object) {
    case 'charge':
      return chargeToPayment(obj);
    case 'refund':
      return refundToRecord(obj);
    case 'dispute':
      return disputeToRecord(obj);
    case 'payout':
      return payoutToRecord(obj);
    default:
      return null;
  }
}
