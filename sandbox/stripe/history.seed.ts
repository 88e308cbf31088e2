/**
 * Bulk history for demos and benches: months of card and ACH charges with refunds, disputes and
 * the daily payouts between them, written straight into the store at past times (the same engine
 * functions the API uses, so fees, balance transactions and payouts are what Stripe would show).
 * Creating 100,000 charges through the API at 25 requests/s would take over an hour.
 */
import { createDispute, createRefund, newCharge } from './charges.engine';
import { midnight, runDailyPayouts } from './ledger';
import type { EmulatorContext } from './stripe.context';
import { newId } from './stripe.store';
import type { StripeObject } from './stripe.types';

export interface HistoryOptions {
  charges: number;
  /** Spread over this many days before now. */
  days: number;
  currency?: string;
  /** Every n-th charge is refunded (half of it); 0 = none. */
  refundEvery?: number;
  /** Every n-th charge is disputed; 0 = none. */
  disputeEvery?: number;
  /** Every n-th charge is an ACH debit; 0 = none. */
  achEvery?: number;
  /** Customer ids to spread charges over (optional). */
  customers?: string[];
}

const CARD: StripeObject = {
  id: 'pm_card_visa',
  type: 'card',
  billing_details: { address: null, email: null, name: null, phone: null },
  card: {
    brand: 'visa',
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
    country: 'US',
    exp_month: 12,
    exp_year: 2034,
    fingerprint: 'seedVisa4242',
    funding: 'credit',
    last4: '4242',
  },
};
const BANK: StripeObject = {
  id: 'pm_usBankAccount_success',
  type: 'us_bank_account',
  billing_details: { address: null, email: null, name: 'Seed Customer', phone: null },
  us_bank_account: {
    account_holder_type: 'company',
    account_type: 'checking',
    bank_name: 'STRIPE TEST BANK',
    fingerprint: 'seedBank6789',
    last4: '6789',
    routing_number: '110000000',
  },
};

export function seedHistory(ctx: EmulatorContext, o: HistoryOptions) {
  const base = ctx.offsetMs;
  const end = ctx.nowSec();
  const start = end - Math.round(o.days * 86400);
  const span = end - start;
  const currency = (o.currency ?? 'usd').toLowerCase();
  let lastRun = midnight(start);
  const counts = { charges: 0, refunds: 0, disputes: 0 };
  try {
    for (let i = 0; i < o.charges; i++) {
      const t = start + Math.floor((i * span) / o.charges);
      ctx.offsetMs = base + (t - end) * 1000;
      if (midnight(t) > lastRun) lastRun = runDailyPayouts(ctx, lastRun);
      const ach = o.achEvery ? i % o.achEvery === o.achEvery - 1 : false;
      // Amounts end in 0 so three-decimal currencies (KWD) stay valid.
      const amount = 1000 + ((i * 7919) % 50000) * 10;
      const pi: StripeObject = {
        id: newId('pi'),
        object: 'payment_intent',
        amount,
        amount_received: amount,
        created: t,
        currency,
        customer: o.customers?.length ? o.customers[i % o.customers.length] : null,
        description: `Seed payment ${i + 1}`,
        metadata: {},
        status: 'succeeded',
        latest_charge: null,
      };
      ctx.store.insert(pi);
      const ch = newCharge(ctx, pi, ach ? BANK : CARD, 'succeeded');
      pi.latest_charge = ch.id;
      ctx.emit('charge.succeeded', ch);
      counts.charges++;
      if (o.refundEvery && i % o.refundEvery === 1) {
        createRefund(ctx, ch, { amount: Math.floor(amount / 20) * 10, reason: 'requested_by_customer' });
        counts.refunds++;
      } else if (o.disputeEvery && i % o.disputeEvery === 2 && !ach) {
        createDispute(ctx, ch, 'fraudulent');
        counts.disputes++;
      }
    }
  } finally {
    ctx.offsetMs = base;
  }
  runDailyPayouts(ctx, lastRun);
  return { ...counts, payouts: ctx.store.all('payout').length };
}
