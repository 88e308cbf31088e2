import type Stripe from 'stripe';
import { ManualClock } from '../../../src/app/clock';
import { startSandbox, type StripeSandbox } from '../../contract/stripe-support';

/** Monday 10:00 UTC, so business-day arithmetic is easy to read. */
const START = '2026-01-05T10:00:00Z';

describe('Stripe emulator: payment methods, intents, charges, refunds, disputes', () => {
  let sb: StripeSandbox;
  let stripe: Stripe;
  const clock = new ManualClock(START);
  beforeAll(async () => {
    sb = await startSandbox({ clock });
    stripe = sb.stripe;
  });
  afterAll(() => sb.emu.close());
  beforeEach(() => {
    clock.set(START);
    sb.emu.control.reset();
  });

  async function txnOf(chargeId: string) {
    const ch = await stripe.charges.retrieve(chargeId, { expand: ['balance_transaction'] });
    return ch.balance_transaction as Stripe.BalanceTransaction;
  }

  it('charges pm_card_visa with a 2.9% + 30 fee booked on the balance transaction', async () => {
    const customer = await stripe.customers.create({ email: 'pay@example.com' });
    const pi = await stripe.paymentIntents.create({
      amount: 10000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { invoice: 'inv_1' },
    });
    expect(pi.status).toBe('succeeded');
    expect(pi.amount_received).toBe(10000);
    const ch = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(ch).toMatchObject({
      status: 'succeeded',
      paid: true,
      captured: true,
      amount: 10000,
      payment_intent: pi.id,
    });
    expect(ch.payment_method_details?.card?.last4).toBe('4242');
    const txn = await txnOf(ch.id);
    expect(txn).toMatchObject({
      amount: 10000,
      fee: 320,
      net: 9680,
      type: 'charge',
      source: ch.id,
      status: 'pending',
    });
    expect((await stripe.charges.list({ payment_intent: pi.id })).data).toHaveLength(1);
  });

  it('computes fees per currency exponent and enforces three-decimal amounts', async () => {
    const jpy = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'jpy',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect((await txnOf(jpy.latest_charge as string)).fee).toBe(145); // 2.9% of ¥5000, no fractional fixed fee
    const kwd = await stripe.paymentIntents.create({
      amount: 10000,
      currency: 'kwd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect((await txnOf(kwd.latest_charge as string)).fee).toBe(590); // 0.290 + 0.300 KWD
    await expect(stripe.paymentIntents.create({ amount: 10005, currency: 'kwd' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'amount',
    });
    await expect(stripe.paymentIntents.create({ amount: 20, currency: 'usd' })).rejects.toMatchObject({
      code: 'amount_too_small',
    });
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
  ])(
    'declines %s with Stripe’s codes and leaves the intent requires_payment_method',
    async (pm, code, decline) => {
      const err = await stripe.paymentIntents
        .create({ amount: 2000, currency: 'usd', payment_method: pm, confirm: true })
        .catch((e: Stripe.errors.StripeCardError) => e);
      expect(err).toMatchObject({ type: 'StripeCardError', statusCode: 402, code, decline_code: decline });
      const pi = (err as Stripe.errors.StripeCardError).payment_intent!;
      expect(pi.status).toBe('requires_payment_method');
      expect(pi.last_payment_error?.decline_code).toBe(decline);
      const ch = await stripe.charges.retrieve(pi.latest_charge as string);
      expect(ch).toMatchObject({ status: 'failed', failure_code: code, balance_transaction: null });
    },
  );

  it('declines raw card 4000000000009995 created through payment_methods.create', async () => {
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4000000000009995', exp_month: 12, exp_year: 2034, cvc: '123' },
    });
    expect(pm.card?.last4).toBe('9995');
    await expect(
      stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, confirm: true }),
    ).rejects.toMatchObject({ decline_code: 'insufficient_funds' });
  });

  it('requires 3DS for 4000002500003155 on session, and not off session once set up', async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4000002500003155', exp_month: 1, exp_year: 2035 },
    });
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method: pm.id,
      confirm: true,
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('use_stripe_sdk');
    await sb.emu.control.authenticate(pi.id);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');

    const offBefore = await stripe.paymentIntents
      .create({
        amount: 1500,
        currency: 'usd',
        customer: customer.id,
        payment_method: 'pm_card_authenticationRequiredOnSetup',
        confirm: true,
        off_session: true,
      })
      .catch((e: Stripe.errors.StripeCardError) => e);
    expect(offBefore).toMatchObject({ statusCode: 402, code: 'authentication_required' });

    const si = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      usage: 'off_session',
    });
    expect(si.status).toBe('requires_action');
    await sb.emu.control.authenticate(si.id);
    const done = await stripe.setupIntents.retrieve(si.id);
    expect(done.status).toBe('succeeded');
    expect((await stripe.paymentMethods.retrieve(pm.id)).customer).toBe(customer.id);
    const off = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      off_session: true,
    });
    expect(off.status).toBe('succeeded');
  });

  it('attaches, lists and detaches payment methods; setup intents save cards', async () => {
    const c = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: c.id });
    expect(pm).toMatchObject({ customer: c.id, card: { brand: 'mastercard' } });
    await expect(
      stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: c.id }),
    ).rejects.toMatchObject({
      statusCode: 402,
      code: 'card_declined',
    });
    const si = await stripe.setupIntents.create({
      customer: c.id,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(si.status).toBe('succeeded');
    const list = await stripe.customers.listPaymentMethods(c.id, { type: 'card' });
    expect(list.data.map((p) => p.card?.brand).sort()).toEqual(['mastercard', 'visa']);
    expect((await stripe.paymentMethods.detach(pm.id)).customer).toBeNull();
    expect((await stripe.paymentMethods.list({ customer: c.id, type: 'card' })).data).toHaveLength(1);
    const canceled = await stripe.setupIntents.cancel(
      (await stripe.setupIntents.create({ customer: c.id })).id,
    );
    expect(canceled.status).toBe('canceled');
  });

  it('captures manually (partially), cancels, and refuses invalid transitions', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      capture_method: 'manual',
    });
    expect(pi).toMatchObject({ status: 'requires_capture', amount_capturable: 5000 });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 4000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 4000 });
    expect(await txnOf(captured.latest_charge as string)).toMatchObject({ amount: 4000, fee: 146 });
    await expect(stripe.paymentIntents.cancel(pi.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    const open = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd' });
    expect(open.status).toBe('requires_payment_method');
    await expect(stripe.paymentIntents.confirm(open.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    const confirmed = await stripe.paymentIntents.confirm(open.id, { payment_method: 'pm_card_amex' });
    expect(confirmed.status).toBe('succeeded');
    const c2 = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd' });
    expect((await stripe.paymentIntents.cancel(c2.id)).status).toBe('canceled');
  });

  it('refunds fully and partially and rejects over-refunds', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const r1 = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    expect(r1).toMatchObject({ amount: 1000, status: 'succeeded', charge: pi.latest_charge });
    await expect(
      stripe.refunds.create({ charge: pi.latest_charge as string, amount: 2500 }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
    });
    const r2 = await stripe.refunds.create({ charge: pi.latest_charge as string });
    expect(r2.amount).toBe(2000);
    const ch = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(ch).toMatchObject({ amount_refunded: 3000, refunded: true });
    await expect(stripe.refunds.create({ charge: ch.id })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });
    const bt = await stripe.balanceTransactions.retrieve(r1.balance_transaction as string);
    expect(bt).toMatchObject({ amount: -1000, fee: 0, type: 'refund', source: r1.id });
    expect((await stripe.refunds.list({ charge: ch.id })).data).toHaveLength(2);
  });

  it('opens a dispute for 4000000000000259 and by control, withdrawing amount plus fee', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    expect(pi.status).toBe('succeeded');
    const disputes = await stripe.disputes.list({ payment_intent: pi.id });
    expect(disputes.data).toHaveLength(1);
    const dp = disputes.data[0];
    expect(dp).toMatchObject({
      amount: 4200,
      status: 'needs_response',
      reason: 'fraudulent',
      charge: pi.latest_charge,
    });
    expect(dp.balance_transactions[0]).toMatchObject({ amount: -4200, fee: 1500, net: -5700 });
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).disputed).toBe(true);
    const other = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const byControl = await sb.emu.control.createDispute(other.latest_charge as string, 'duplicate');
    expect(byControl).toMatchObject({ reason: 'duplicate', amount: 1000 });
    expect((await stripe.disputes.close(byControl.id as string)).status).toBe('lost');
  });
});
