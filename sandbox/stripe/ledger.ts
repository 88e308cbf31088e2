/**
 * Balance transactions and payouts. Every movement of money books one balance transaction
 * (charge/payment +amount −fee, refund −amount, dispute −amount −fee, payout −amount). Funds
 * become available at midnight UTC two days after they settle; the daily automatic payout at
 * each midnight (by the emulator clock) pays out the net of everything available and not yet
 * paid out, per currency, and stamps those transactions with the payout id so that
 * `GET /v1/balance_transactions?payout=po_…` lists exactly what the payout contains.
 */
import type { EmulatorContext } from './stripe.context';
import { newId } from './stripe.store';
import type { StripeObject } from './stripe.types';

const DAY = 86400;

export function midnight(sec: number): number {
  return Math.floor(sec / DAY) * DAY;
}

export interface Booking {
  amount: number;
  currency: string;
  fee: number;
  feeDescription?: string;
  type: 'charge' | 'payment' | 'refund' | 'adjustment' | 'payout' | 'payment_failure_refund';
  category: 'charge' | 'refund' | 'dispute' | 'payout' | 'payment_failure_refund';
  source: string;
  description: string | null;
  availableOn?: number;
}

export function book(ctx: EmulatorContext, b: Booking): StripeObject {
  const created = ctx.nowSec();
  const availableOn = b.availableOn ?? midnight(created) + 2 * DAY;
  const txn: StripeObject = {
    id: newId('txn'),
    object: 'balance_transaction',
    amount: b.amount,
    available_on: availableOn,
    created,
    currency: b.currency,
    description: b.description,
    exchange_rate: null,
    fee: b.fee,
    fee_details: b.fee
      ? [
          {
            amount: b.fee,
            application: null,
            currency: b.currency,
            description: b.feeDescription ?? 'Stripe processing fees',
            type: 'stripe_fee',
          },
        ]
      : [],
    net: b.amount - b.fee,
    reporting_category: b.category,
    source: b.source,
    status: availableOn <= created ? 'available' : 'pending',
    type: b.type,
  };
  return ctx.store.insert(txn);
}

/**
 * What the last refresh saw, per store: how many transactions, and the earliest available_on
 * still pending. Nothing can flip before that moment unless new transactions came, so reads
 * between two such moments (every page of a balance-transaction list) skip the scan.
 */
const lastRefresh = new WeakMap<object, { seen: number; nextDue: number }>();

/** Flip pending → available for transactions whose available_on has passed. */
export function refreshAvailability(ctx: EmulatorContext): void {
  const now = ctx.nowSec();
  const all = ctx.store.all('balance_transaction');
  const last = lastRefresh.get(ctx.store);
  if (last && last.seen === all.length && now < last.nextDue) return;
  let nextDue = Infinity;
  for (const t of all) {
    if (t.status !== 'pending') continue;
    if (t.available_on <= now) t.status = 'available';
    else nextDue = Math.min(nextDue, t.available_on as number);
  }
  lastRefresh.set(ctx.store, { seen: all.length, nextDue });
}

export function balance(ctx: EmulatorContext): StripeObject {
  refreshAvailability(ctx);
  const available = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const t of ctx.store.all('balance_transaction')) {
    const m = t.status === 'available' ? available : pending;
    m.set(t.currency, (m.get(t.currency) ?? 0) + t.net);
  }
  const currencies = new Set([...available.keys(), ...pending.keys()]);
  if (!currencies.size) currencies.add('usd');
  const amounts = (m: Map<string, number>) =>
    [...currencies].map((c) => ({
      amount: m.get(c) ?? 0,
      currency: c,
      source_types: { card: m.get(c) ?? 0 },
    }));
  return { object: 'balance', available: amounts(available), pending: amounts(pending), livemode: false };
}

/** Runs the automatic payout for each midnight in (lastRun, now]; returns the new lastRun. */
export function runDailyPayouts(ctx: EmulatorContext, lastRun: number): number {
  const now = ctx.nowSec();
  let day = midnight(lastRun) + DAY;
  for (; day <= now; day += DAY) payoutAt(ctx, day);
  // Payouts arrive the next day: in_transit → paid.
  for (const po of ctx.store.all('payout')) {
    if (po.status === 'in_transit' && po.arrival_date <= now) {
      po.status = 'paid';
      ctx.emit('payout.paid', po, { status: 'in_transit' });
    }
  }
  refreshAvailability(ctx);
  return Math.max(lastRun, midnight(now));
}

function payoutAt(ctx: EmulatorContext, day: number): void {
  const byCurrency = new Map<string, StripeObject[]>();
  for (const t of ctx.store.all('balance_transaction')) {
    if (t.__payout || t.type === 'payout' || t.available_on > day) continue;
    const list = byCurrency.get(t.currency) ?? [];
    list.push(t);
    byCurrency.set(t.currency, list);
  }
  for (const [currency, txns] of byCurrency) {
    const net = txns.reduce((s, t) => s + (t.net as number), 0);
    // A negative or zero balance carries forward (Stripe would debit the bank; out of scope).
    if (net <= 0) continue;
    const po: StripeObject = {
      id: newId('po'),
      object: 'payout',
      amount: net,
      arrival_date: day + DAY,
      automatic: true,
      balance_transaction: null,
      created: day,
      currency,
      description: 'STRIPE PAYOUT',
      destination: 'ba_sandbox_bank_account',
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: {},
      method: 'standard',
      original_payout: null,
      reconciliation_status: 'completed',
      reversed_by: null,
      source_type: 'card',
      statement_descriptor: null,
      status: 'in_transit',
      type: 'bank_account',
    };
    ctx.store.insert(po);
    const bt = book(ctx, {
      amount: -net,
      currency,
      fee: 0,
      type: 'payout',
      category: 'payout',
      source: po.id,
      description: 'STRIPE PAYOUT',
      availableOn: day,
    });
    bt.created = day;
    bt.__payout = po.id;
    po.balance_transaction = bt.id;
    for (const t of txns) t.__payout = po.id;
    // `created` and `__payout` changed on stored transactions: their list order and index too.
    ctx.store.touch('balance_transaction');
    ctx.emit('payout.created', po);
  }
}
