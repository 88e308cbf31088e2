import type Stripe from 'stripe';
import { ManualClock } from '../../../src/app/clock';
import { sdkFor, startSandbox, type StripeSandbox } from '../../contract/stripe-support';

const START = '2026-01-05T10:00:00Z'; // Monday

describe('Stripe emulator: hosted ACH checkout, 3DS page, expand, API key', () => {
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

  it('completes an ACH checkout unpaid, then reports async_payment_succeeded / _failed by the clock', async () => {
    const make = () =>
      // payment_method_types is in API 2023-08-16; the SDK's newer types dropped it
      stripe.checkout.sessions.create({
        mode: 'payment',
        payment_method_types: ['us_bank_account'],
        success_url: 'https://ledgerline.test/ok',
        line_items: [
          {
            price_data: { currency: 'usd', unit_amount: 20000, product_data: { name: 'Plan' } },
            quantity: 1,
          },
        ],
      } as Stripe.Checkout.SessionCreateParams);
    const pay = (cs: Stripe.Checkout.Session, account: string) =>
      fetch(cs.url!, {
        method: 'POST',
        body: new URLSearchParams({
          method: 'us_bank_account',
          name: 'Ada',
          account_number: account,
          routing_number: '110000000',
        }),
        redirect: 'manual',
      });
    const good = await make();
    const bad = await make();
    expect((await pay(good, '000123456789')).status).toBe(303);
    expect((await pay(bad, '000111111113')).status).toBe(303);
    expect(await stripe.checkout.sessions.retrieve(good.id)).toMatchObject({
      status: 'complete',
      payment_status: 'unpaid',
    });
    await sb.emu.control.advance(4 * 86400000); // Friday: four business days
    expect((await stripe.checkout.sessions.retrieve(good.id)).payment_status).toBe('paid');
    expect((await stripe.checkout.sessions.retrieve(bad.id)).payment_status).toBe('unpaid');
    const types = (
      await stripe.events.list({
        types: ['checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed'],
      })
    ).data;
    expect(types.map((e) => [e.type, (e.data.object as Stripe.Checkout.Session).id]).sort()).toEqual(
      [
        ['checkout.session.async_payment_failed', bad.id],
        ['checkout.session.async_payment_succeeded', good.id],
      ].sort(),
    );
  });

  it('expires open sessions at expires_at on tick', async () => {
    const cs = await stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      success_url: 'https://ledgerline.test/ok',
      expires_at: Math.floor(Date.parse(START) / 1000) + 3600,
    });
    await sb.emu.control.advance(3600 * 1000);
    expect((await stripe.checkout.sessions.retrieve(cs.id)).status).toBe('expired');
  });

  it('serves a 3DS challenge page that completes or fails the intent and redirects to return_url', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1800,
      currency: 'usd',
      payment_method: 'pm_card_threeDSecure2Required',
      confirm: true,
      return_url: 'https://ledgerline.test/return',
    });
    expect(pi.status).toBe('requires_action');
    const url = pi.next_action!.redirect_to_url!.url!;
    expect((await fetch(url)).status).toBe(200);
    const done = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'succeed' }),
      redirect: 'manual',
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`https://ledgerline.test/return?payment_intent=${pi.id}`);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');

    const failing = await stripe.paymentIntents.create({
      amount: 1800,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    await fetch(failing.next_action!.use_stripe_sdk!.stripe_js as string, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'fail' }),
    });
    const after = await stripe.paymentIntents.retrieve(failing.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('expands ids on objects and on list items, and rejects unknown expansions', async () => {
    const c = await stripe.customers.create({ email: 'x@example.com' });
    await stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      customer: c.id,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const list = await stripe.paymentIntents.list({ expand: ['data.customer', 'data.latest_charge'] });
    expect((list.data[0].customer as Stripe.Customer).email).toBe('x@example.com');
    expect((list.data[0].latest_charge as Stripe.Charge).object).toBe('charge');
    await expect(stripe.customers.retrieve(c.id, { expand: ['nothing_here'] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'expand',
    });
  });

  it('accepts only the configured secret key when apiKey is set', async () => {
    const strict = await startSandbox({ apiKey: 'sk_test_only_this' });
    try {
      await expect(strict.stripe.customers.list()).rejects.toMatchObject({
        statusCode: 401,
        type: 'StripeAuthenticationError',
      });
      expect((await sdkFor(strict.emu, 'sk_test_only_this').customers.list()).data).toEqual([]);
    } finally {
      await strict.emu.close();
    }
  });
});
