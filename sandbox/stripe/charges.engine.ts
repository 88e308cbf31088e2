/**
 * Charges, refunds and disputes as side effects of payment intents: a charge per attempt,
 * balance transactions with fees for captured money, refunds bounded by the unrefunded amount,
 * disputes that withdraw the amount plus the dispute fee.
 */
import type { EmulatorContext } from './stripe.context';
import { StripeApiError } from './stripe.errors';
import { book } from './ledger';
import { achFee, cardFee, disputeFee, formatMajor } from './money';
import { newId } from './stripe.store';
import type { StripeObject } from './stripe.types';

export interface ChargeFailure {
  code: string;
  decline_code?: string;
  message: string;
}

function methodDetails(pm: StripeObject) {
  if (pm.type === 'us_bank_account') {
    const b = pm.us_bank_account;
    return {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: b.account_holder_type,
        account_type: b.account_type,
        bank_name: b.bank_name,
        fingerprint: b.fingerprint,
        last4: b.last4,
        routing_number: b.routing_number,
      },
    };
  }
  const c = pm.card;
  return {
    type: 'card',
    card: {
      brand: c.brand,
      checks: c.checks,
      country: c.country,
      exp_month: c.exp_month,
      exp_year: c.exp_year,
      fingerprint: c.fingerprint,
      funding: c.funding,
      installments: null,
      last4: c.last4,
      mandate: null,
      network: c.brand,
      three_d_secure: null,
      wallet: null,
    },
  };
}

/** A new charge for one attempt of a payment intent. status: succeeded | pending | failed */
export function newCharge(
  ctx: EmulatorContext,
  pi: StripeObject,
  pm: StripeObject,
  status: 'succeeded' | 'pending' | 'failed',
  opts: { captured?: boolean; failure?: ChargeFailure } = {},
): StripeObject {
  const captured = status === 'succeeded' && opts.captured !== false;
  const ch: StripeObject = {
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: pm.billing_details,
    calculated_statement_descriptor: 'LEDGERLINE',
    captured,
    created: ctx.nowSec(),
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: opts.failure?.code ?? null,
    failure_message: opts.failure?.message ?? null,
    fraud_details: {},
    invoice: null,
    livemode: false,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: outcome(status, opts.failure),
    paid: status === 'succeeded',
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: methodDetails(pm),
    receipt_email: pi.receipt_email ?? null,
    receipt_number: null,
    receipt_url: `${ctx.baseUrl}/receipts/${pi.id}`,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  };
  ctx.store.insert(ch);
  if (captured) bookCapture(ctx, ch, pm.type);
  return ch;
}

function outcome(status: string, failure?: ChargeFailure) {
  if (status === 'failed')
    return {
      network_status: 'declined_by_network',
      reason: failure?.decline_code ?? failure?.code ?? null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message: 'The bank did not return any further details with this decline.',
      type: 'issuer_declined',
    };
  return {
    network_status: 'approved_by_network',
    reason: null,
    risk_level: 'normal',
    risk_score: 20,
    seller_message: 'Payment complete.',
    type: 'authorized',
  };
}

/** Books the captured amount with the processing fee for the payment method type. */
export function bookCapture(ctx: EmulatorContext, ch: StripeObject, pmType: string): void {
  const amount = ch.amount_captured as number;
  const isCard = pmType === 'card';
  const fee = isCard ? cardFee(amount, ch.currency) : achFee(amount, ch.currency);
  const txn = book(ctx, {
    amount,
    currency: ch.currency,
    fee,
    type: isCard ? 'charge' : 'payment',
    category: 'charge',
    source: ch.id,
    description: ch.description,
  });
  ch.balance_transaction = txn.id;
}

export function createRefund(
  ctx: EmulatorContext,
  ch: StripeObject,
  p: { amount?: number; reason?: string; metadata?: Record<string, string> },
): StripeObject {
  if (!ch.paid || !ch.captured)
    throw StripeApiError.state(
      `Charge ${ch.id} has not been captured or did not succeed, so it cannot be refunded.`,
      'charge_not_refundable',
    );
  const remaining = (ch.amount_captured as number) - (ch.amount_refunded as number);
  if (remaining <= 0)
    throw StripeApiError.state(`Charge ${ch.id} has already been refunded.`, 'charge_already_refunded');
  const amount = p.amount ?? remaining;
  if (amount <= 0)
    throw StripeApiError.invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
  if (amount > remaining)
    throw StripeApiError.invalid(
      `Refund amount (${formatMajor(amount, ch.currency)} ${ch.currency}) is greater than unrefunded amount on charge (${formatMajor(remaining, ch.currency)} ${ch.currency})`,
      'amount',
      'amount_too_large',
    );
  const re: StripeObject = {
    id: newId('re'),
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: ch.id,
    created: ctx.nowSec(),
    currency: ch.currency,
    metadata: p.metadata && (p.metadata as unknown) !== '' ? { ...p.metadata } : {},
    payment_intent: ch.payment_intent,
    reason: p.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  ctx.store.insert(re);
  const txn = book(ctx, {
    amount: -amount,
    currency: ch.currency,
    fee: 0,
    type: 'refund',
    category: 'refund',
    source: re.id,
    description: 'REFUND FOR CHARGE',
  });
  re.balance_transaction = txn.id;
  const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
  ch.amount_refunded += amount;
  ch.refunded = ch.amount_refunded === ch.amount_captured;
  ctx.emit('charge.refunded', ch, previous);
  ctx.emit('refund.created', re);
  return re;
}

export function createDispute(ctx: EmulatorContext, ch: StripeObject, reason = 'fraudulent'): StripeObject {
  if (!ch.paid) throw StripeApiError.state(`Charge ${ch.id} did not succeed and cannot be disputed.`);
  if (ch.disputed) throw StripeApiError.state(`Charge ${ch.id} is already disputed.`);
  const now = ctx.nowSec();
  const amount = (ch.amount_captured as number) - (ch.amount_refunded as number);
  const dp: StripeObject = {
    id: newId('dp'),
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge: ch.id,
    created: now,
    currency: ch.currency,
    evidence: {},
    evidence_details: { due_by: now + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: ch.payment_intent,
    reason,
    status: 'needs_response',
  };
  ctx.store.insert(dp);
  const txn = book(ctx, {
    amount: -amount,
    currency: ch.currency,
    fee: disputeFee(ch.currency),
    feeDescription: 'Dispute fee',
    type: 'adjustment',
    category: 'dispute',
    source: dp.id,
    description: `Chargeback withdrawal for ${ch.id}`,
  });
  dp.balance_transactions = [txn];
  ch.disputed = true;
  ctx.emit('charge.dispute.created', dp);
  return dp;
}
