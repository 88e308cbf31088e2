import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startHarness, type Harness } from './harness';

/**
 * The whole online collection path with nothing faked: the customer opens the pay page, is sent to
 * the processor's hosted checkout (the Stripe emulator's page, filled with a test card by a form
 * POST like a browser would), Stripe signs and delivers the webhook to the listening service, the
 * webhook wakes the pull, and the pull hands the charge to billing's applyProcessorPayment. Then
 * the day's payout is pulled and its summary email reaches finance over real SMTP.
 */
jest.setTimeout(60_000);

interface Received {
  to: string[];
  raw: string;
}

let h: Harness;
let smtp: SMTPServer;
const inbox: Received[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  h = await startHarness({ env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
  // Webhooks need a real socket: the emulator POSTs to the service like Stripe would.
  await h.svc.app.listen(0, '127.0.0.1');
  const svcPort = (h.svc.app.getHttpServer().address() as AddressInfo).port;
  await h.stripe.webhookEndpoints.create({
    url: `http://127.0.0.1:${svcPort}/api/v1/webhooks/stripe`,
    enabled_events: ['*'],
  });
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('pay page → hosted checkout with a test card → webhook → pull → invoice paid; payout summary over SMTP', async () => {
  const contact = (
    await h.svc.request('POST', '/api/v1/contacts', {
      body: { first_name: 'Amara', last_name: 'Okafor', email: 'amara@example.com' },
    })
  ).body.id as number;
  const created = await h.svc.request('POST', '/api/v1/invoices', {
    body: {
      currency: 'USD',
      contact_id: contact,
      lines: [{ description: 'Implementation', unit_price_minor: 123_450 }],
    },
  });
  expect(created.status).toBe(201);
  const inv = (await h.svc.request('POST', `/api/v1/invoices/${created.body.id}/finalize`, { body: {} }))
    .body;
  expect(inv).toMatchObject({ status: 'open', amount_due_minor: 123_450 });

  // The customer's side: pay page, then the processor checkout it redirects to.
  const page = await h.svc.request('GET', `/pay/invoice/${inv.public_token}`, { role: null });
  expect(page.status).toBe(200);
  expect(page.body).toContain(`action="/pay/invoice/${inv.public_token}/checkout"`);
  const go = await h.svc.request('POST', `/pay/invoice/${inv.public_token}/checkout`, { role: null });
  expect(go.status).toBe(303);
  const checkoutUrl = String(go.headers.location);
  expect(checkoutUrl.startsWith(h.emu.url)).toBe(true);
  const form = await fetch(checkoutUrl);
  expect(form.status).toBe(200);
  const html = await form.text();
  expect(html).toContain('Pay 1234.50 USD');
  const paid = await fetch(checkoutUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      method: 'card',
      email: 'amara@example.com',
      name: 'Amara Okafor',
      card_number: '4242424242424242',
      exp_month: '12',
      exp_year: '2034',
      cvc: '123',
    }).toString(),
  });
  expect(paid.status).toBe(303);
  expect(paid.headers.get('location')).toContain(`/pay/invoice/${inv.public_token}?checkout=done`);

  // Nothing was recorded from the browser: the webhook wakes the pull, which pays the invoice.
  const invoice = await waitFor('invoice paid', async () => {
    const r = await h.svc.request('GET', `/api/v1/invoices/${inv.id}`);
    return r.body.status === 'paid' ? r.body : null;
  });
  expect(invoice).toMatchObject({ amount_paid_minor: 123_450, amount_due_minor: 0 });
  const payments = await h.svc.db('payments').where({ invoice_id: inv.id });
  expect(payments).toHaveLength(1);
  expect(payments[0]).toMatchObject({
    processor: 'stripe',
    status: 'succeeded',
    method: 'card',
    amount_minor: 123_450,
    currency: 'USD',
    contact_id: contact,
  });
  expect(payments[0].fee_minor).toBeGreaterThan(0);
  // Webhooks that arrived while the pull ran make it go round once more: wait for that pass.
  await waitFor('webhook events processed', async () => {
    const [{ n }] = await h.svc.db('webhook_events').whereNull('processed_at').count({ n: '*' });
    return Number(n) === 0;
  });
  // Billing's own mails for the paid invoice (receipt, paid notice) go to the customer.
  expect((await h.svc.request('POST', '/api/v1/email-outbox/dispatch')).body).toEqual({ sent: 2, failed: 0 });
  expect(inbox.map((m) => m.to)).toEqual([['amara@example.com'], ['amara@example.com']]);
  inbox.length = 0;
  const shown = await h.svc.request('GET', `/pay/invoice/${inv.public_token}`, { role: null });
  expect(shown.body).toContain('This invoice is paid');

  // Two days later Stripe pays the available balance out; its webhook brings the payout in.
  await h.emu.control.advance(3 * 86_400_000);
  const payout = await waitFor('payout pulled', async () =>
    h.svc.db('payouts').whereNotNull('composed_at').first(),
  );
  const fee = payments[0].fee_minor as number;
  expect(payout).toMatchObject({
    amount_minor: 123_450 - fee,
    gross_minor: 123_450,
    net_minor: 123_450 - fee,
  });

  const day = new Date(payout.initiated_at).toISOString().slice(0, 10);
  const queued = await h.svc.request('POST', '/api/v1/payouts/summary', {
    body: { date: day, to: 'finance@example.com' },
  });
  expect(queued.status).toBeLessThan(300);
  expect(queued.body).toMatchObject({ created: true, payouts: 1 });
  expect((await h.svc.request('POST', '/api/v1/email-outbox/dispatch')).body).toEqual({ sent: 1, failed: 0 });
  expect(inbox).toHaveLength(1);
  expect(inbox[0].to).toEqual(['finance@example.com']);
  expect(inbox[0].raw).toMatch(new RegExp(`^Subject: Payout summary ${day}: 1 payout\\(s\\)`, 'm'));
  expect(inbox[0].raw).toContain(payout.processor_id);
  // Queued once per day and recipient: asking again sends nothing more.
  await h.svc.request('POST', '/api/v1/payouts/summary', { body: { date: day, to: 'finance@example.com' } });
  expect((await h.svc.request('POST', '/api/v1/email-outbox/dispatch')).body).toEqual({ sent: 0, failed: 0 });
});
