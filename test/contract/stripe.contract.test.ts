/**
 * Contract: every operation the emulator serves, called through the real `stripe` SDK, answers
 * with JSON that validates against spec3.yaml's response schema (closed objects: no field Stripe
 * does not have), and its errors validate against the spec's `error` schema. The same validators
 * accept Stripe's own sample objects (fixtures3.json and latest/fixtures3.json) projected to the
 * fields a connector reads — which proves the validators on Stripe's data, not only on ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Stripe from 'stripe';
import { ManualClock } from '../../src/app/clock';
import spec from '../../sandbox/stripe/stripe-spec.json';
import { startSandbox, type StripeSandbox } from './stripe-support';
import {
  SPEC_DIR,
  describeErrors,
  errorValidator,
  objectValidator,
  passes,
  requiredFields,
  responseValidator,
} from './stripe-schemas';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

/** Fields connectors and the sync engine read, per object. */
export const CONNECTOR_FIELDS: Record<string, string[]> = {
  customer: [
    'id',
    'object',
    'email',
    'name',
    'phone',
    'description',
    'address',
    'metadata',
    'created',
    'invoice_settings',
  ],
  deleted_customer: ['id', 'object', 'deleted'],
  payment_method: [
    'id',
    'object',
    'type',
    'customer',
    'billing_details',
    'card',
    'us_bank_account',
    'created',
    'metadata',
  ],
  setup_intent: [
    'id',
    'object',
    'status',
    'customer',
    'payment_method',
    'usage',
    'metadata',
    'created',
    'last_setup_error',
    'next_action',
  ],
  payment_intent: [
    'id',
    'object',
    'amount',
    'amount_received',
    'currency',
    'customer',
    'status',
    'latest_charge',
    'payment_method',
    'metadata',
    'created',
    'last_payment_error',
    'next_action',
    'capture_method',
    'description',
    'canceled_at',
  ],
  'checkout.session': [
    'id',
    'object',
    'mode',
    'status',
    'payment_status',
    'customer',
    'payment_intent',
    'setup_intent',
    'metadata',
    'amount_total',
    'currency',
    'url',
    'client_reference_id',
    'created',
    'expires_at',
    'customer_details',
  ],
  charge: [
    'id',
    'object',
    'amount',
    'amount_captured',
    'amount_refunded',
    'balance_transaction',
    'currency',
    'customer',
    'payment_intent',
    'payment_method',
    'status',
    'paid',
    'refunded',
    'disputed',
    'captured',
    'failure_code',
    'failure_message',
    'metadata',
    'created',
  ],
  refund: [
    'id',
    'object',
    'amount',
    'charge',
    'payment_intent',
    'currency',
    'status',
    'reason',
    'balance_transaction',
    'metadata',
    'created',
  ],
  dispute: ['id', 'object', 'amount', 'charge', 'payment_intent', 'currency', 'status', 'reason', 'created'],
  balance_transaction: [
    'id',
    'object',
    'amount',
    'fee',
    'net',
    'currency',
    'type',
    'source',
    'status',
    'available_on',
    'created',
    'reporting_category',
    'fee_details',
  ],
  payout: [
    'id',
    'object',
    'amount',
    'currency',
    'status',
    'arrival_date',
    'created',
    'balance_transaction',
    'automatic',
    'method',
  ],
  event: ['id', 'object', 'type', 'created', 'api_version', 'livemode', 'pending_webhooks'],
  webhook_endpoint: ['id', 'object', 'url', 'enabled_events', 'status', 'created'],
  balance: ['object', 'available', 'pending', 'livemode'],
};

const OPERATIONS = Object.keys((spec as { operations: Record<string, unknown> }).operations);

describe('Stripe emulator contract (spec3.yaml, API 2023-08-16)', () => {
  let sb: StripeSandbox;
  let stripe: Stripe;
  let hook: WebhookReceiver;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const responses = new Map<string, unknown[]>();
  const errors: { label: string; body: unknown; status: number }[] = [];

  async function rec<T>(op: string, call: Promise<T>): Promise<T> {
    const result = await call;
    const list = responses.get(op) ?? [];
    list.push(JSON.parse(JSON.stringify(result)));
    responses.set(op, list);
    return result;
  }

  async function recError(label: string, call: Promise<unknown>) {
    const e = (await call.then(
      () => undefined,
      (err: unknown) => err,
    )) as Stripe.errors.StripeError | undefined;
    if (!e?.raw) throw new Error(`${label}: expected a Stripe error`);
    // The SDK folds response headers and status into `raw`; the wire body is `{ error: … }` without them.
    const { headers: _h, statusCode, requestId: _r, ...body } = e.raw as Record<string, unknown>;
    errors.push({ label, body: { error: body }, status: statusCode as number });
  }

  beforeAll(async () => {
    sb = await startSandbox({ clock });
    stripe = sb.stripe;
    hook = await startWebhookReceiver();
    sb.emu.control.setWebhookDelivery({ manual: true });

    const we = await rec(
      'POST /v1/webhook_endpoints',
      stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] }),
    );
    await rec('GET /v1/webhook_endpoints', stripe.webhookEndpoints.list());
    await rec('GET /v1/webhook_endpoints/{webhook_endpoint}', stripe.webhookEndpoints.retrieve(we.id));

    const cus = await rec(
      'POST /v1/customers',
      stripe.customers.create({ email: 'c@example.com', name: 'C', metadata: { ref: 'ct_1' } }),
    );
    await rec('POST /v1/customers/{customer}', stripe.customers.update(cus.id, { phone: '+15555550100' }));
    await rec('GET /v1/customers/{customer}', stripe.customers.retrieve(cus.id));
    await rec('GET /v1/customers', stripe.customers.list({ limit: 5 }));
    await rec('GET /v1/customers/search', stripe.customers.search({ query: "metadata['ref']:'ct_1'" }));

    const card = await rec(
      'POST /v1/payment_methods',
      stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' },
      }),
    );
    const bank = await rec(
      'POST /v1/payment_methods',
      stripe.paymentMethods.create({
        type: 'us_bank_account',
        billing_details: { name: 'C' },
        us_bank_account: {
          account_number: '000123456789',
          routing_number: '110000000',
          account_holder_type: 'company',
        },
      }),
    );
    await rec(
      'POST /v1/payment_methods/{payment_method}/attach',
      stripe.paymentMethods.attach(card.id, { customer: cus.id }),
    );
    await rec(
      'POST /v1/payment_methods/{payment_method}/attach',
      stripe.paymentMethods.attach(bank.id, { customer: cus.id }),
    );
    await rec(
      'POST /v1/payment_methods/{payment_method}',
      stripe.paymentMethods.update(card.id, { metadata: { k: 'v' } }),
    );
    await rec('GET /v1/payment_methods/{payment_method}', stripe.paymentMethods.retrieve(card.id));
    await rec('GET /v1/payment_methods', stripe.paymentMethods.list({ customer: cus.id, type: 'card' }));
    await rec('GET /v1/customers/{customer}/payment_methods', stripe.customers.listPaymentMethods(cus.id));

    const si = await rec(
      'POST /v1/setup_intents',
      // payment_method_types exists in API 2023-08-16 (the SDK's newer types dropped it)
      stripe.setupIntents.create({
        customer: cus.id,
        payment_method_types: ['card'],
      } as Stripe.SetupIntentCreateParams),
    );
    await rec(
      'POST /v1/setup_intents/{intent}/confirm',
      stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' }),
    );
    const si3ds = await rec(
      'POST /v1/setup_intents',
      stripe.setupIntents.create({
        customer: cus.id,
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
      }),
    );
    await rec('GET /v1/setup_intents/{intent}', stripe.setupIntents.retrieve(si3ds.id));
    await rec('POST /v1/setup_intents/{intent}/cancel', stripe.setupIntents.cancel(si3ds.id));
    await rec('GET /v1/setup_intents', stripe.setupIntents.list({ customer: cus.id }));

    const pi = await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'usd',
        customer: cus.id,
        metadata: { invoice: 'inv_1' },
      }),
    );
    await rec(
      'POST /v1/payment_intents/{intent}',
      stripe.paymentIntents.update(pi.id, { description: 'Invoice 1' }),
    );
    await rec(
      'POST /v1/payment_intents/{intent}/confirm',
      stripe.paymentIntents.confirm(pi.id, { payment_method: card.id }),
    );
    await rec('GET /v1/payment_intents/{intent}', stripe.paymentIntents.retrieve(pi.id));
    const auth = await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 5000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        capture_method: 'manual',
      }),
    );
    await rec(
      'POST /v1/payment_intents/{intent}/capture',
      stripe.paymentIntents.capture(auth.id, { amount_to_capture: 4500 }),
    );
    const action = await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 1500,
        currency: 'usd',
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
      }),
    );
    await rec('POST /v1/payment_intents/{intent}/cancel', stripe.paymentIntents.cancel(action.id));
    await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 100000,
        currency: 'usd',
        customer: cus.id,
        payment_method: bank.id,
        confirm: true,
      }),
    );
    await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 5000,
        currency: 'jpy',
        payment_method: 'pm_card_visa',
        confirm: true,
      }),
    );
    await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 1250,
        currency: 'kwd',
        payment_method: 'pm_card_visa',
        confirm: true,
      }),
    );
    const disputed = await rec(
      'POST /v1/payment_intents',
      stripe.paymentIntents.create({
        amount: 3000,
        currency: 'usd',
        payment_method: 'pm_card_createDispute',
        confirm: true,
      }),
    );
    await rec('GET /v1/payment_intents', stripe.paymentIntents.list({ limit: 100 }));

    const charge = pi.id && ((await stripe.paymentIntents.retrieve(pi.id)).latest_charge as string);
    await rec('GET /v1/charges/{charge}', stripe.charges.retrieve(charge));
    await rec('GET /v1/charges', stripe.charges.list({ limit: 100 }));
    const refund = await rec(
      'POST /v1/refunds',
      stripe.refunds.create({ charge, amount: 500, metadata: { why: 'partial' } }),
    );
    await rec('GET /v1/refunds/{refund}', stripe.refunds.retrieve(refund.id));
    await rec('GET /v1/refunds', stripe.refunds.list());
    const disputes = await rec('GET /v1/disputes', stripe.disputes.list({ payment_intent: disputed.id }));
    await rec('GET /v1/disputes/{dispute}', stripe.disputes.retrieve(disputes.data[0].id));
    await rec('POST /v1/disputes/{dispute}/close', stripe.disputes.close(disputes.data[0].id));

    const cs = await rec(
      'POST /v1/checkout/sessions',
      stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'https://ledgerline.test/ok',
        line_items: [
          { price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Thing' } }, quantity: 3 },
        ],
        metadata: { payment_link: 'pl_1' },
      }),
    );
    await fetch(cs.url!, {
      method: 'POST',
      body: new URLSearchParams({ card_number: '4242424242424242', email: 'b@example.com' }),
      redirect: 'manual',
    });
    await rec('GET /v1/checkout/sessions/{session}', stripe.checkout.sessions.retrieve(cs.id));
    const setup = await rec(
      'POST /v1/checkout/sessions',
      stripe.checkout.sessions.create({
        mode: 'setup',
        currency: 'usd',
        customer: cus.id,
        success_url: 'https://ledgerline.test/ok',
      }),
    );
    await rec('POST /v1/checkout/sessions/{session}/expire', stripe.checkout.sessions.expire(setup.id));
    await rec('GET /v1/checkout/sessions', stripe.checkout.sessions.list());

    await sb.emu.control.advance(7 * 86400000); // ACH settles, funds become available, payouts run
    await rec('GET /v1/balance', stripe.balance.retrieve());
    const payouts = await rec('GET /v1/payouts', stripe.payouts.list());
    await rec('GET /v1/payouts/{payout}', stripe.payouts.retrieve(payouts.data[0].id));
    const txns = await rec(
      'GET /v1/balance_transactions',
      stripe.balanceTransactions.list({ payout: payouts.data[0].id, limit: 100 }),
    );
    await rec('GET /v1/balance_transactions', stripe.balanceTransactions.list({ limit: 100 }));
    await rec('GET /v1/balance_transactions/{id}', stripe.balanceTransactions.retrieve(txns.data[0].id));
    const events = await rec('GET /v1/events', stripe.events.list({ limit: 100 }));
    await rec('GET /v1/events/{id}', stripe.events.retrieve(events.data[0].id));

    await rec('DELETE /v1/webhook_endpoints/{webhook_endpoint}', stripe.webhookEndpoints.del(we.id));
    const gone = await stripe.customers.create({});
    await rec('DELETE /v1/customers/{customer}', stripe.customers.del(gone.id));
    await rec('GET /v1/customers/{customer}', stripe.customers.retrieve(gone.id));
    await rec('POST /v1/payment_methods/{payment_method}/detach', stripe.paymentMethods.detach(card.id));

    await recError(
      'unknown parameter',
      stripe.customers.create({ nickname: 'x' } as Stripe.CustomerCreateParams),
    );
    await recError(
      'invalid integer',
      stripe.paymentIntents.create({ amount: 'ten' as unknown as number, currency: 'usd' }),
    );
    await recError('missing resource', stripe.charges.retrieve('ch_missing'));
    await recError(
      'card declined',
      stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
        confirm: true,
      }),
    );
    await recError('over-refund', stripe.refunds.create({ charge, amount: 100000 }));
    await recError('bad state', stripe.paymentIntents.capture(pi.id));
    await stripe.customers.create({ name: 'a' }, { idempotencyKey: 'contract-key' });
    await recError('idempotency', stripe.customers.create({ name: 'b' }, { idempotencyKey: 'contract-key' }));
    sb.emu.control.setFaults({ rate429: 1 });
    await recError('rate limit', stripe.customers.list());
    sb.emu.control.setFaults({});
  }, 60000);

  afterAll(async () => {
    await sb.emu.close();
    await hook.close();
  });

  it('has validators that reject what Stripe would not send', () => {
    const v = objectValidator('customer');
    const good = responses.get('POST /v1/customers')![0] as Record<string, unknown>;
    expect(v(good)).toBe(true);
    expect(v({ ...good, balance: '12' })).toBe(false);
    expect(v({ ...good, nickname: 'x' })).toBe(false);
    const { created: _c, ...noCreated } = good;
    expect(v(noCreated)).toBe(false);
    expect(errorValidator()({ error: { message: 'x' } })).toBe(false);
  });

  it('exercises every operation in the emulator’s spec extract', () => {
    expect(OPERATIONS.filter((op) => !responses.has(op))).toEqual([]);
  });

  it.each(OPERATIONS)('%s answers with JSON that validates against spec3.yaml', (op) => {
    const validate = responseValidator(op);
    for (const body of responses.get(op) ?? []) {
      if (!validate(body))
        throw new Error(`${op}: ${describeErrors(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
    }
  });

  it('answers errors in Stripe’s error shape with the right statuses', () => {
    const validate = errorValidator();
    for (const e of errors) {
      if (!validate(e.body)) throw new Error(`${e.label}: ${describeErrors(validate.errors)}`);
    }
    expect(Object.fromEntries(errors.map((e) => [e.label, e.status]))).toEqual({
      'unknown parameter': 400,
      'invalid integer': 400,
      'missing resource': 404,
      'card declined': 402,
      'over-refund': 400,
      'bad state': 400,
      idempotency: 400,
      'rate limit': 429,
    });
  });

  it('delivers events whose objects validate against their schemas', async () => {
    await sb.emu.control.flushWebhooks();
    expect(hook.deliveries.length).toBeGreaterThan(20);
    const validateEvent = objectValidator('event');
    for (const d of hook.deliveries) {
      const evt: any = JSON.parse(d.body);
      if (!passes(validateEvent, evt))
        throw new Error(`${evt.type}: ${describeErrors(validateEvent.errors)}`);
      const name = String(evt.data.object.object);
      if (!CONNECTOR_FIELDS[name]) continue;
      const v = objectValidator(name);
      if (!v(evt.data.object)) throw new Error(`${evt.type} data.object: ${describeErrors(v.errors)}`);
    }
  });

  it('returns every field a connector reads', () => {
    // union of keys per object type (a PaymentMethod carries only the key of its own type)
    const keys = new Map<string, Set<string>>();
    for (const list of responses.values())
      for (const r of list as Record<string, any>[]) {
        const items = r.object === 'list' || r.object === 'search_result' ? r.data : [r];
        for (const o of items as Record<string, unknown>[]) {
          if (typeof o?.object !== 'string' || o.deleted) continue;
          const set = keys.get(o.object) ?? new Set<string>();
          Object.keys(o).forEach((k) => set.add(k));
          keys.set(o.object, set);
        }
      }
    const missing = Object.entries(CONNECTOR_FIELDS)
      .filter(([name]) => name !== 'deleted_customer')
      .flatMap(([name, fields]) => fields.filter((f) => !keys.get(name)?.has(f)).map((f) => `${name}.${f}`));
    expect(missing).toEqual([]);
  });

  // fixtures3.json matches the spec's API version: closed validators. latest/ was recorded against a
  // newer version that adds nested fields: the types of the fields present are checked (open).
  describe.each([
    ['fixtures3.json', true],
    ['latest/fixtures3.json', false],
  ])('Stripe’s recorded sample %s', (file, closed) => {
    const resources = (
      JSON.parse(fs.readFileSync(path.join(SPEC_DIR, file), 'utf8')) as { resources: Record<string, any> }
    ).resources;
    it.each(Object.keys(CONNECTOR_FIELDS))(
      '%s passes the same validator for the fields a connector reads',
      (name) => {
        const sample = resources[name];
        expect(sample).toBeDefined();
        const keep = new Set([...requiredFields(name), ...CONNECTOR_FIELDS[name]]);
        const projected = Object.fromEntries(
          Object.entries(sample as Record<string, unknown>).filter(([k]) => keep.has(k)),
        );
        const v = objectValidator(name, closed);
        if (!v(projected)) throw new Error(`${file} ${name}: ${describeErrors(v.errors)}`);
      },
    );
  });
});
