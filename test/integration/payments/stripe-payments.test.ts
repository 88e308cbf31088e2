import { signStripeWebhookPayload } from '../../../sandbox/stripe';
import { type Harness, pay, pull, startHarness, WEBHOOK_SECRET } from './harness';

jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const db = () => h.svc.db;
const byCharge = (id: string) => db()('payments').where({ processor: 'stripe', processor_id: id }).first();

describe('pull: payments with exact minor units', () => {
  it('mirrors JPY (0 decimals), KWD (3 decimals) and USD charges exactly, with fees and net', async () => {
    const jpy = await pay(h, 12345, 'jpy');
    const kwd = await pay(h, 12340, 'kwd');
    const usd = await pay(h, 250075, 'usd');
    const first = await pull(h);
    expect(first.mode).toBe('backfill');
    for (const [pi, amount, cur] of [
      [jpy, 12345, 'JPY'],
      [kwd, 12340, 'KWD'],
      [usd, 250075, 'USD'],
    ] as const) {
      const ch = await h.stripe.charges.retrieve(pi.latest_charge as string, {
        expand: ['balance_transaction'],
      });
      const p = await byCharge(ch.id);
      expect(p).toMatchObject({ amount_minor: amount, currency: cur, status: 'succeeded', method: 'card' });
      const fee = (ch.balance_transaction as { fee: number }).fee;
      expect(p.fee_minor).toBe(fee);
      expect(p.net_minor).toBe(amount - fee);
      const api = await h.svc.request('GET', `/api/v1/payments/${p.id}`);
      expect(api.body.status_history).toEqual([
        expect.objectContaining({ from_status: null, status: 'succeeded' }),
      ]);
    }
    // An unchanged re-pull changes nothing.
    const again = await pull(h);
    expect(again).toMatchObject({ mode: 'events', created: 0, updated: 0 });
  });

  it('follows the events cursor: a new charge and its refund arrive by the next pull', async () => {
    const pi = await pay(h, 5000, 'usd');
    await h.stripe.refunds.create({ payment_intent: pi.id, amount: 1500 });
    const s = await pull(h);
    expect(s.mode).toBe('events');
    const p = await byCharge(pi.latest_charge as string);
    expect(p).toMatchObject({ status: 'partially_refunded', amount_refunded_minor: 1500 });
    const refunds = await db()('refunds').where({ payment_id: p.id });
    expect(refunds).toEqual([
      expect.objectContaining({ amount_minor: 1500, currency: 'USD', status: 'succeeded' }),
    ]);
  });
});

describe('webhook endpoint', () => {
  const post = (raw: string, sig: string) =>
    h.svc.request('POST', '/api/v1/webhooks/stripe', {
      role: null,
      raw,
      headers: { 'content-type': 'application/json', 'stripe-signature': sig },
    });
  const event = (id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'charge.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { object: {} },
    });
  const count = async () => Number((await db()('webhook_events').count('* as n'))[0].n);

  it('refuses a bad signature and a stale timestamp with 400 and stores nothing', async () => {
    const before = await count();
    const raw = event('evt_bad_sig');
    const now = Math.floor(Date.now() / 1000);
    const bad = await post(raw, signStripeWebhookPayload('whsec_wrong_secret_000000', raw, now));
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const stale = await post(raw, signStripeWebhookPayload(WEBHOOK_SECRET, raw, now - 3600));
    expect(stale.status).toBe(400);
    const tampered = await post(
      raw.replace('evt_bad_sig', 'evt_other'),
      signStripeWebhookPayload(WEBHOOK_SECRET, raw, now),
    );
    expect(tampered.status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('stores an event once however often it is delivered', async () => {
    const raw = event('evt_dupe_1');
    const sig = signStripeWebhookPayload(WEBHOOK_SECRET, raw, Math.floor(Date.now() / 1000));
    const a = await post(raw, sig);
    const b = await post(raw, sig);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ received: true, duplicate: false });
    expect(b.body).toMatchObject({ received: true, duplicate: true });
    expect(await db()('webhook_events').where({ event_id: 'evt_dupe_1' })).toHaveLength(1);
  });

  it('applies duplicated and reordered real events once, ending in Stripe state', async () => {
    await pull(h);
    const cursor = (await h.stripe.events.list({ limit: 1 })).data[0].id;
    const pis = [];
    for (let i = 0; i < 4; i++) pis.push(await pay(h, 10000 + i * 10, 'usd'));
    await h.stripe.refunds.create({ payment_intent: pis[0].id });
    await h.stripe.refunds.create({ payment_intent: pis[1].id, amount: 10 });
    await h.stripe.refunds.create({ payment_intent: pis[1].id, amount: 20 });
    await h.emu.control.createDispute(pis[2].latest_charge as string, 'fraudulent');
    const events = (await h.stripe.events.list({ limit: 100, ending_before: cursor })).data;
    // Deliver each twice, newest first (reversed), interleaved.
    const deliveries = [...events, ...events].reverse().sort((a, b) => (a.id < b.id ? 1 : -1));
    for (const e of deliveries) {
      const raw = JSON.stringify(e);
      const res = await post(
        raw,
        signStripeWebhookPayload(WEBHOOK_SECRET, raw, Math.floor(Date.now() / 1000)),
      );
      expect(res.status).toBe(200);
    }
    await pull(h); // joins the woken pull and runs once more
    const stored = await db()('webhook_events').whereIn(
      'event_id',
      events.map((e) => e.id),
    );
    expect(stored).toHaveLength(events.length);
    expect(stored.every((e) => e.processed_at !== null)).toBe(true);
    const expected = ['refunded', 'partially_refunded', 'disputed', 'succeeded'];
    for (const [i, pi] of pis.entries()) {
      const p = await byCharge(pi.latest_charge as string);
      expect(p.status).toBe(expected[i]);
      const ch = await h.stripe.charges.retrieve(pi.latest_charge as string);
      expect(p.amount_refunded_minor).toBe(ch.amount_refunded);
    }
    const p1 = await byCharge(pis[1].latest_charge as string);
    expect(await db()('refunds').where({ payment_id: p1.id })).toHaveLength(2);
    const p2 = await byCharge(pis[2].latest_charge as string);
    expect(await db()('disputes').where({ payment_id: p2.id })).toEqual([
      expect.objectContaining({ status: 'needs_response', amount_minor: 10020, reason: 'fraudulent' }),
    ]);
  });
});

describe('refunds from the payment record', () => {
  let paymentId: number;
  let chargeId: string;
  beforeAll(async () => {
    const pi = await pay(h, 20000, 'usd');
    chargeId = pi.latest_charge as string;
    await pull(h);
    paymentId = (await byCharge(chargeId)).id;
  });
  const refund = (id: number, body: unknown) =>
    h.svc.request('POST', `/api/v1/payments/${id}/refunds`, { body, role: 'finance' });
  const snapshot = async () => ({
    payment: await db()('payments')
      .where({ id: paymentId })
      .first('status', 'amount_refunded_minor', 'version'),
    refunds: await db()('refunds').where({ payment_id: paymentId }),
    stripe: (await h.stripe.charges.retrieve(chargeId)).amount_refunded,
  });

  it('refuses a refund above the refundable amount or in another currency, changing nothing', async () => {
    const before = await snapshot();
    const over = await refund(paymentId, { amount_minor: 20001 });
    expect(over.status).toBe(400);
    expect(over.body.errors[0].field).toBe('amount_minor');
    const cur = await refund(paymentId, { amount_minor: 100, currency: 'EUR' });
    expect(cur.status).toBe(400);
    expect(cur.body.errors[0].field).toBe('currency');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to refund a failed payment', async () => {
    await expect(pay(h, 3000, 'usd', 'pm_card_chargeDeclined')).rejects.toThrow();
    await pull(h);
    const failed = await db()('payments').where({ status: 'failed' }).first();
    expect(failed).toMatchObject({ failure_code: 'card_declined' });
    const res = await refund(failed.id, { amount_minor: 100 });
    expect(res.status).toBe(409);
    expect(await db()('refunds').where({ payment_id: failed.id })).toHaveLength(0);
  });

  it('refunds through Stripe in part and then the rest; the pull agrees', async () => {
    const a = await refund(paymentId, { amount_minor: 5000, reason: 'goodwill' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ amount_minor: 5000, status: 'succeeded', processor: 'stripe' });
    const b = await refund(paymentId, {});
    expect(b.body.amount_minor).toBe(15000);
    await pull(h);
    const s = await snapshot();
    expect(s.stripe).toBe(20000);
    expect(s.payment).toMatchObject({ status: 'refunded', amount_refunded_minor: 20000 });
    expect(s.refunds).toHaveLength(2);
    expect((await refund(paymentId, { amount_minor: 1 })).status).toBe(409);
  });

  it('records refunds of manual payments without a processor', async () => {
    const m = await h.svc.request('POST', '/api/v1/payments', {
      body: { amount_minor: 1000, currency: 'KWD', paid_on: '2026-01-05', detail: 'cheque' },
    });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({
      method: 'manual',
      status: 'succeeded',
      amount_minor: 1000,
      currency: 'KWD',
    });
    const r = await refund(m.body.id, { amount_minor: 250 });
    expect(r.status).toBe(201);
    const p = await db()('payments').where({ id: m.body.id }).first();
    expect(p).toMatchObject({ status: 'partially_refunded', amount_refunded_minor: 250 });
  });
});

describe('index endpoints', () => {
  it('filters payments with the filter language (ACH over 1,000 USD last quarter style)', async () => {
    const big = await db()('payments').where({ currency: 'USD', amount_minor: 250075 }).first();
    await db()('payments').where({ id: big.id }).update({ method: 'ach' });
    const q = `/api/v1/payments?filter[method][eq]=ach&filter[amount][gt]=${encodeURIComponent('1000.00 USD')}&filter[paid_at][eq]=this_year&count=true`;
    const res = await h.svc.request('GET', q, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { id: number }) => r.id)).toEqual([big.id]);
    const bad = await h.svc.request('GET', '/api/v1/payments?filter[amount][gt]=12.345 USD');
    expect(bad.status).toBe(400);
    for (const path of ['refunds', 'disputes', 'payouts']) {
      const r = await h.svc.request('GET', `/api/v1/${path}?count=true`, { role: 'analyst' });
      expect(r.status).toBe(200);
    }
    const disputes = await h.svc.request('GET', '/api/v1/disputes?filter[status][eq]=needs_response');
    expect(disputes.body.results).toHaveLength(1);
  });
});
