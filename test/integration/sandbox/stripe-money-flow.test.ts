import type Stripe from 'stripe';
import { ManualClock } from '../../../src/app/clock';
import { startSandbox, type StripeSandbox } from '../../contract/stripe-support';
import { startWebhookReceiver, type WebhookReceiver } from '../../contract/webhook-receiver';

const START = '2026-01-05T10:00:00Z'; // Monday
const DAY = 86400000;

describe('Stripe emulator: ACH by the clock, payouts, webhooks, hosted checkout', () => {
  let sb: StripeSandbox;
  let stripe: Stripe;
  let hook: WebhookReceiver;
  const clock = new ManualClock(START);
  beforeAll(async () => {
    sb = await startSandbox({ clock, webhookSecret: 'whsec_test_ledgerline' });
    stripe = sb.stripe;
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await sb.emu.close();
    await hook.close();
  });
  beforeEach(() => {
    clock.set(START);
    sb.emu.control.reset();
    hook.deliveries.length = 0;
  });

  const receivedAt = () => Math.floor(clock.now().getTime() / 1000);
  const verified = () =>
    hook.deliveries.map((d) =>
      stripe.webhooks.constructEvent(d.body, d.signature, sb.emu.webhookSecret, 300, undefined, receivedAt()),
    );

  async function bankPm(account: string) {
    return stripe.paymentMethods.create({
      type: 'us_bank_account',
      billing_details: { name: 'Ada Lovelace' },
      us_bank_account: {
        account_number: account,
        routing_number: '110000000',
        account_holder_type: 'individual',
      },
    });
  }

  it('settles an ACH debit four business days later and fails the 000111111113 account', async () => {
    const c = await stripe.customers.create({});
    const ok = await stripe.paymentIntents.create({
      amount: 100000,
      currency: 'usd',
      customer: c.id,
      payment_method: (await bankPm('000123456789')).id,
      confirm: true,
    });
    const bad = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      customer: c.id,
      payment_method: (await bankPm('000111111113')).id,
      confirm: true,
    });
    expect([ok.status, bad.status]).toEqual(['processing', 'processing']);
    expect((await stripe.charges.retrieve(ok.latest_charge as string)).status).toBe('pending');

    clock.set('2026-01-08T10:00:00Z'); // Thursday: 3 business days
    await sb.emu.control.tick();
    expect((await stripe.paymentIntents.retrieve(ok.id)).status).toBe('processing');

    clock.set('2026-01-09T10:00:00Z'); // Friday: 4 business days
    await sb.emu.control.tick();
    const settled = await stripe.paymentIntents.retrieve(ok.id, {
      expand: ['latest_charge.balance_transaction'],
    });
    expect(settled.status).toBe('succeeded');
    const txn = (settled.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({ amount: 100000, fee: 500, type: 'payment' }); // 0.8% capped at $5.00
    const failed = await stripe.paymentIntents.retrieve(bad.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe('account_closed');
    expect((await stripe.charges.retrieve(bad.latest_charge as string)).failure_code).toBe('account_closed');
    const types = (await stripe.events.list({ type: 'payment_intent.*' })).data.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'payment_intent.succeeded',
        'payment_intent.payment_failed',
        'payment_intent.processing',
      ]),
    );
  });

  it('pays out daily at midnight the net of charges, fees, refunds and disputes', async () => {
    const a = await stripe.paymentIntents.create({
      amount: 10000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const b = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await stripe.refunds.create({ payment_intent: b.id, amount: 2000 });
    await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    await sb.emu.control.advance(DAY); // Tuesday 10:00: funds still pending
    expect((await stripe.payouts.list()).data).toHaveLength(0);
    const balance = await stripe.balance.retrieve();
    // charges 18000 − fees (320 + 175 + 117) − refund 2000 − dispute 3000 − dispute fee 1500
    const expected = 18000 - (320 + 175 + 117) - 2000 - 3000 - 1500;
    expect(balance.pending.find((x) => x.currency === 'usd')?.amount).toBe(expected);

    await sb.emu.control.advance(DAY); // Wednesday 10:00: Wednesday midnight payout ran
    const payouts = await stripe.payouts.list();
    expect(payouts.data).toHaveLength(1);
    const po = payouts.data[0];
    expect(po).toMatchObject({ amount: expected, currency: 'usd', automatic: true, status: 'in_transit' });
    const txns = await stripe.balanceTransactions.list({ payout: po.id, limit: 100 });
    const nonPayout = txns.data.filter((t) => t.type !== 'payout');
    expect(nonPayout.reduce((s, t) => s + t.net, 0)).toBe(po.amount);
    expect(nonPayout.map((t) => t.type).sort()).toEqual([
      'adjustment',
      'charge',
      'charge',
      'charge',
      'refund',
    ]);
    expect(txns.data.find((t) => t.type === 'payout')).toMatchObject({ amount: -po.amount, source: po.id });
    expect(a.status).toBe('succeeded');
    await sb.emu.control.advance(DAY);
    expect((await stripe.payouts.retrieve(po.id)).status).toBe('paid');
    expect((await stripe.balance.retrieve()).available.find((x) => x.currency === 'usd')?.amount).toBe(0);
  });

  it('signs webhooks so stripe.webhooks.constructEvent accepts them, and retries failed deliveries', async () => {
    const we = await stripe.webhookEndpoints.create({
      url: hook.url,
      enabled_events: ['customer.created', 'payment_intent.succeeded'],
    });
    expect(we.secret).toBe('whsec_test_ledgerline');
    await stripe.customers.create({ email: 'w@example.com' });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await sb.emu.control.flushWebhooks();
    const events = verified();
    expect(events.map((e) => e.type)).toEqual(['customer.created', 'payment_intent.succeeded']);
    expect(() =>
      stripe.webhooks.constructEvent(
        hook.deliveries[0].body,
        hook.deliveries[0].signature,
        'whsec_wrong',
        300,
        undefined,
        receivedAt(),
      ),
    ).toThrow(/signature/i);

    sb.emu.control.setWebhookDelivery({ manual: true });
    hook.failNext = 1;
    await stripe.customers.create({});
    await sb.emu.control.flushWebhooks();
    expect(hook.deliveries).toHaveLength(2);
    await sb.emu.control.flushWebhooks(); // retried
    expect(hook.deliveries).toHaveLength(3);
    expect((await stripe.webhookEndpoints.list()).data).toHaveLength(1);
    await stripe.webhookEndpoints.del(we.id);
    await stripe.customers.create({});
    await sb.emu.control.flushWebhooks();
    expect(hook.deliveries).toHaveLength(3);
  });

  it('can duplicate and shuffle deliveries (consumers must dedupe by event id and not rely on order)', async () => {
    await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
    sb.emu.control.setWebhookDelivery({ manual: true, duplicateRate: 1, shuffle: true });
    const created: string[] = [];
    for (let i = 0; i < 10; i++) created.push((await stripe.customers.create({ name: `c${i}` })).id);
    expect(hook.deliveries).toHaveLength(0);
    await sb.emu.control.flushWebhooks();
    const events = verified();
    expect(events).toHaveLength(20);
    expect(new Set(events.map((e) => e.id)).size).toBe(10);
    const order = events.map((e) => (e.data.object as Stripe.Customer).id);
    expect(order).not.toEqual(created.flatMap((id) => [id, id]));
  });

  it('lists events by created[gte], type and pages, and forgets them after 30 days', async () => {
    await stripe.customers.create({});
    clock.set('2026-01-06T10:00:00Z');
    const later = await stripe.customers.create({});
    const since = await stripe.events.list({
      created: { gte: Math.floor(Date.parse('2026-01-06T00:00:00Z') / 1000) },
    });
    expect(since.data.map((e) => (e.data.object as Stripe.Customer).id)).toEqual([later.id]);
    expect((await stripe.events.list({ type: 'customer.created', limit: 1 })).has_more).toBe(true);
    clock.set('2026-02-05T09:00:00Z'); // the first event (Jan 5) is past 30 days, the second is not
    expect((await stripe.events.list()).data).toHaveLength(1);
  });

  it('takes a payment on the hosted checkout page and completes the session', async () => {
    await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['checkout.session.completed'] });
    const cs = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://ledgerline.test/paid?session={CHECKOUT_SESSION_ID}',
      line_items: [
        { price_data: { currency: 'usd', unit_amount: 1250, product_data: { name: 'Widget' } }, quantity: 2 },
      ],
      metadata: { invoice_id: 'inv_42' },
      payment_intent_data: { metadata: { invoice_id: 'inv_42' } },
    });
    expect(cs).toMatchObject({ status: 'open', amount_total: 2500, payment_status: 'unpaid' });
    const page = await fetch(cs.url!);
    expect(await page.text()).toContain('Pay 25.00 USD');
    const declined = await fetch(cs.url!, {
      method: 'POST',
      body: new URLSearchParams({ email: 'buyer@example.com', card_number: '4000000000000002' }),
      redirect: 'manual',
    });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    const paid = await fetch(cs.url!, {
      method: 'POST',
      body: new URLSearchParams({ email: 'buyer@example.com', card_number: '4242 4242 4242 4242' }),
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://ledgerline.test/paid?session=${cs.id}`);
    const done = await stripe.checkout.sessions.retrieve(cs.id, { expand: ['payment_intent'] });
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      metadata: { invoice_id: 'inv_42' },
    });
    const pi = done.payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ status: 'succeeded', amount: 2500, metadata: { invoice_id: 'inv_42' } });
    await sb.emu.control.flushWebhooks();
    const [evt] = verified();
    expect(evt.type).toBe('checkout.session.completed');
    expect((evt.data.object as Stripe.Checkout.Session).metadata).toEqual({ invoice_id: 'inv_42' });
    expect((await fetch(cs.url!)).status).toBe(410);
  });

  it('saves a card in setup mode for the session customer', async () => {
    const c = await stripe.customers.create({});
    const cs = await stripe.checkout.sessions.create({
      mode: 'setup',
      customer: c.id,
      currency: 'usd',
      success_url: 'https://ledgerline.test/saved',
      metadata: { purpose: 'autopay' },
    });
    const res = await fetch(cs.url!, {
      method: 'POST',
      body: new URLSearchParams({ card_number: '5555555555554444' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(cs.id, { expand: ['setup_intent'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'no_payment_required' });
    const si = done.setup_intent as Stripe.SetupIntent;
    expect(si.status).toBe('succeeded');
    const pms = await stripe.customers.listPaymentMethods(c.id);
    expect(pms.data.map((p) => p.id)).toEqual([si.payment_method]);
    const off = await stripe.paymentIntents.create({
      amount: 990,
      currency: 'usd',
      customer: c.id,
      payment_method: si.payment_method as string,
      off_session: true,
      confirm: true,
    });
    expect(off.status).toBe('succeeded');
  });
});
