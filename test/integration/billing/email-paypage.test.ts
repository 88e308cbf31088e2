import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { InvoicePaymentService } from '../../../src/billing/invoice-payment.service';
import {
  CheckoutInput,
  PaymentProcessor,
  PaymentProcessorRegistry,
} from '../../../src/payments/payment-processor.port';
import { startTestService, TestService } from '../../support/service';

interface Received {
  to: string[];
  raw: string;
}

describe('billing emails over real SMTP, and the public pay page', () => {
  let svc: TestService;
  let smtp: SMTPServer;
  const inbox: Received[] = [];
  let failNext = 0;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (failNext > 0) {
            failNext -= 1;
            return callback(Object.assign(new Error('mailbox busy'), { responseCode: 451 }));
          }
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
    svc = await startTestService({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, PUBLIC_BASE_URL: 'https://pay.example.test/' },
    });
  });
  afterAll(async () => {
    await svc.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const dispatch = async () => (await svc.request('POST', '/api/v1/email-outbox/dispatch')).body;
  const subject = (m: Received) => /^Subject: (.*)$/m.exec(m.raw)?.[1];

  async function openInvoice(email = 'ines@example.com') {
    const contact = (
      await svc.request('POST', '/api/v1/contacts', { body: { first_name: 'Inès', last_name: 'Roy', email } })
    ).body.id;
    const inv = await svc.request('POST', '/api/v1/invoices', {
      body: {
        currency: 'EUR',
        contact_id: contact,
        lines: [{ description: 'Audit', unit_price_minor: 50000 }],
      },
    });
    const fin = await svc.request('POST', `/api/v1/invoices/${inv.body.id}/finalize`, {
      body: { send: true },
    });
    expect(fin.status).toBe(200);
    return fin.body;
  }

  it('sends the invoice with its PDF once, receipts per payment, the paid notice, and resends receipts', async () => {
    const inv = await openInvoice();
    expect(inv.email).toMatchObject({ to: 'ines@example.com', state: 'pending', created: true });
    expect(await dispatch()).toEqual({ sent: 1, failed: 0 });
    expect(inbox).toHaveLength(1);
    expect(inbox[0].to).toEqual(['ines@example.com']);
    expect(subject(inbox[0])).toBe(`Invoice ${inv.number} from Ledgerline`);
    expect(inbox[0].raw).toContain(`filename=${inv.number}.pdf`);
    expect(inbox[0].raw).toContain('Content-Type: application/pdf');
    // The body is quoted-printable on the wire (long lines wrap): check the link in the outbox row.
    expect(inbox[0].raw).toContain('https://pay.example.test/pay/invoice/');
    const row = await svc.db('email_outbox').where({ id: inv.email.id }).first();
    expect(row.text_body).toContain(`https://pay.example.test/pay/invoice/${inv.public_token}`);
    expect(row).toMatchObject({ state: 'sent', attempts: 1 });
    // Nothing is sent twice.
    expect(await dispatch()).toEqual({ sent: 0, failed: 0 });

    await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, { body: { amount_minor: 20000 } });
    await svc.request('POST', `/api/v1/invoices/${inv.id}/mark-paid`, { body: {} });
    expect(await dispatch()).toEqual({ sent: 3, failed: 0 });
    const subjects = inbox.slice(1).map(subject);
    expect(subjects.filter((s) => s?.startsWith('Receipt RCPT-'))).toHaveLength(2);
    expect(subjects).toContain(`Invoice ${inv.number} is paid`);
    expect(inbox[1].raw).toMatch(/filename=RCPT-\d{6}\.pdf/);

    const receiptId = (await svc.request('GET', `/api/v1/invoices/${inv.id}`)).body.receipts[0].id;
    const resend = await svc.request('POST', `/api/v1/receipts/${receiptId}/resend`, { role: 'finance' });
    expect(resend.status).toBe(200);
    expect(resend.body.receipt.send_count).toBe(2);
    expect(await dispatch()).toEqual({ sent: 1, failed: 0 });
    expect(subject(inbox[inbox.length - 1])).toBe(subject(inbox[1]));
  });

  it('retries a failed send with backoff and keeps the error', async () => {
    const before = inbox.length;
    failNext = 1;
    const inv = await openInvoice('retry@example.com');
    expect(await dispatch()).toEqual({ sent: 0, failed: 1 });
    const row = await svc.db('email_outbox').where({ id: inv.email.id }).first();
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    expect(row.last_error).toContain('mailbox busy');
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now());
    // Not due yet: nothing happens.
    expect(await dispatch()).toEqual({ sent: 0, failed: 0 });
    await svc
      .db('email_outbox')
      .where({ id: inv.email.id })
      .update({ next_attempt_at: new Date(Date.now() - 1000) });
    expect(await dispatch()).toEqual({ sent: 1, failed: 0 });
    expect(inbox.length).toBe(before + 1);
    const sent = await svc.db('email_outbox').where({ id: inv.email.id }).first();
    expect(sent).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('pay page: shows the invoice, says payment is unavailable without a processor, 404 on bad tokens', async () => {
    const inv = await openInvoice('page@example.com');
    const page = await svc.request('GET', `/pay/invoice/${inv.public_token}`, { role: null });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain(`Invoice ${inv.number}`);
    expect(page.body).toContain('Amount due EUR 500.00');
    expect(page.body).toContain('Online payment is unavailable');
    const checkout = await svc.request('POST', `/pay/invoice/${inv.public_token}/checkout`, { role: null });
    expect(checkout.status).toBe(503);
    expect((await svc.request('GET', '/pay/invoice/not-a-token', { role: null })).status).toBe(404);
    const guess = 'A'.repeat(32);
    expect((await svc.request('GET', `/pay/invoice/${guess}`, { role: null })).status).toBe(404);
  });

  it('pay page hands payment to the registered processor; the pull path marks the invoice paid once', async () => {
    const calls: CheckoutInput[] = [];
    const processor: PaymentProcessor = {
      name: 'fake',
      ensureCustomer: async (i) => ({ customerId: `cus_${i.reference}` }),
      createCheckout: async (i) => {
        calls.push(i);
        return { id: 'cs_1', url: 'https://checkout.example.test/cs_1' };
      },
      chargeSavedMethod: () => Promise.reject(new Error('unused')),
      refund: () => Promise.reject(new Error('unused')),
      readPayment: () => Promise.reject(new Error('unused')),
    };
    const registry = svc.app.get(PaymentProcessorRegistry);
    registry.register(processor);
    try {
      const inv = await openInvoice('card@example.com');
      const page = await svc.request('GET', `/pay/invoice/${inv.public_token}`, { role: null });
      expect(page.body).toContain(`action="/pay/invoice/${inv.public_token}/checkout"`);
      const go = await svc.request('POST', `/pay/invoice/${inv.public_token}/checkout`, { role: null });
      expect(go.status).toBe(303);
      expect(go.headers.location).toBe('https://checkout.example.test/cs_1');
      expect(calls[0]).toMatchObject({
        mode: 'payment',
        amountMinor: 50000,
        currency: 'EUR',
        metadata: { invoice_id: String(inv.id) },
      });
      expect(calls[0].idempotencyKey).toContain(`invoice:${inv.id}`);

      const pay = svc.app.get(InvoicePaymentService);
      const event = {
        invoiceId: inv.id,
        amountMinor: 50000,
        currency: 'EUR',
        method: 'card' as const,
        processor: 'fake',
        processorId: 'pi_123',
        feeMinor: 175,
        paidAt: new Date(),
      };
      expect((await pay.applyProcessorPayment(event)).applied).toBe(true);
      expect((await pay.applyProcessorPayment(event)).applied).toBe(false); // duplicate webhook
      // A second checkout paid after the first: recorded, left unapplied for a refund.
      const second = await pay.applyProcessorPayment({ ...event, processorId: 'pi_456' });
      expect(second).toMatchObject({ applied: false, reason: 'invoice is paid' });
      expect(second.payment).toMatchObject({ invoice_id: inv.id, amount_minor: 50000, status: 'succeeded' });
      const after = (await svc.request('GET', `/api/v1/invoices/${inv.id}`)).body;
      expect(after).toMatchObject({ status: 'paid', amount_paid_minor: 50000, amount_due_minor: 0 });
      expect(after.payments).toHaveLength(2);
      expect(after.payments[0]).toMatchObject({ method: 'card', fee_minor: 175, net_minor: 49825 });
      const paid = await svc.request('GET', `/pay/invoice/${inv.public_token}`, { role: null });
      expect(paid.body).toContain('This invoice is paid');
      expect(
        (await svc.request('POST', `/pay/invoice/${inv.public_token}/checkout`, { role: null })).status,
      ).toBe(409);
    } finally {
      registry.unregister();
    }
  });
});

describe('billing emails without SMTP', () => {
  it('keeps them in the outbox as logged', async () => {
    const svc = await startTestService();
    try {
      const contact = (await svc.request('POST', '/api/v1/contacts', { body: { email: 'solo@example.com' } }))
        .body.id;
      const inv = await svc.request('POST', '/api/v1/invoices', {
        body: { currency: 'USD', contact_id: contact, lines: [{ unit_price_minor: 100 }] },
      });
      const fin = await svc.request('POST', `/api/v1/invoices/${inv.body.id}/finalize`, {
        body: { send: true },
      });
      expect(fin.body.sent_at).not.toBeNull();
      const nobody = await svc.request('POST', '/api/v1/invoices', {
        body: { currency: 'USD', lines: [{ unit_price_minor: 100 }] },
      });
      await svc.request('POST', `/api/v1/invoices/${nobody.body.id}/finalize`);
      const send = await svc.request('POST', `/api/v1/invoices/${nobody.body.id}/send`);
      expect(send.status).toBe(422);
      expect(send.body.errors[0].field).toBe('contact_id');
      expect((await svc.request('POST', '/api/v1/email-outbox/dispatch')).body).toEqual({
        sent: 1,
        failed: 0,
      });
      const list = await svc.request(
        'GET',
        `/api/v1/email-outbox?related_object=invoice&related_id=${inv.body.id}`,
      );
      expect(list.body.results).toHaveLength(1);
      expect(list.body.results[0]).toMatchObject({
        state: 'logged',
        kind: 'invoice_sent',
        to_address: 'solo@example.com',
      });
    } finally {
      await svc.close();
    }
  });
});
