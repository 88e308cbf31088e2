import { Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import { Access } from '../app/auth/access';
import { Problem } from '../app/problem';
import { KNEX } from '../app/tokens';
import { PaymentProcessorRegistry } from '../payments/payment-processor.port';
import { BillingDocumentService } from './billing-document.service';
import { formatMoney } from './currency';
import { escapeHtml } from './invoice.notifier';
import { InvoiceRepository, InvoiceRow } from './invoice.repository';

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * The customer's pay page, reached by an unguessable token (24 random bytes). It shows the invoice
 * and hands payment to the registered processor; the payment itself is recorded only when the
 * processor's webhook/pull path reports it, never from the browser coming back.
 */
@ApiExcludeController()
@Controller('pay/invoice')
export class PayPageController {
  private readonly repo = new InvoiceRepository();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    private readonly documents: BillingDocumentService,
    private readonly processors: PaymentProcessorRegistry,
  ) {}

  @Get(':token')
  @Access('public')
  async show(@Param('token') token: string, @Res({ passthrough: true }) res: FastifyReply) {
    const invoice = await this.find(token);
    const lines = await this.repo.lines(this.db, invoice.id);
    const vars = await this.documents.vars(this.db, invoice);
    const m = (v: number) => escapeHtml(formatMoney(v, invoice.currency));
    const processor = await this.processors.available();
    let action: string;
    if (invoice.status === 'paid') action = '<p class="paid">This invoice is paid. Thank you.</p>';
    else if (invoice.status !== 'open')
      action = `<p>This invoice is ${escapeHtml(invoice.status)} and cannot be paid.</p>`;
    else if (!processor)
      action =
        '<p class="unavailable">Online payment is unavailable for this invoice. Please contact us to pay.</p>';
    else
      action = `<form method="post" action="/pay/invoice/${token}/checkout"><button type="submit">Pay ${m(invoice.amount_due_minor)}</button></form>`;
    void res.header('content-type', 'text/html; charset=utf-8');
    void res.header('cache-control', 'no-store');
    void res.header('referrer-policy', 'no-referrer');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invoice ${escapeHtml(vars.invoice_number)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<style>body{font-family:sans-serif;max-width:720px;margin:2em auto;padding:0 1em}table{width:100%;border-collapse:collapse}td,th{padding:4px;border-bottom:1px solid #ddd;text-align:left}td.n,th.n{text-align:right}</style></head>
<body><h1>${escapeHtml(vars.organisation)}</h1><h2>Invoice ${escapeHtml(vars.invoice_number)}</h2>
<p>Issued ${escapeHtml(invoice.issue_date ?? '')} · due ${escapeHtml(invoice.due_date ?? '')} · status <span id="status">${escapeHtml(invoice.status)}</span></p>
<table><thead><tr><th>Description</th><th class="n">Qty</th><th class="n">Amount</th></tr></thead><tbody>
${lines.map((l) => `<tr><td>${escapeHtml(l.description ?? '')}</td><td class="n">${escapeHtml(String(Number(l.quantity)))}</td><td class="n">${m(l.total_minor)}</td></tr>`).join('\n')}
</tbody></table>
<p>Total <strong>${m(invoice.total_minor)}</strong> · paid ${m(invoice.amount_paid_minor)} · <strong id="amount-due">Amount due ${m(invoice.amount_due_minor)}</strong></p>
${action}</body></html>`;
  }

  @Post(':token/checkout')
  @Access('public')
  async checkout(@Param('token') token: string, @Res() res: FastifyReply) {
    const invoice = await this.find(token);
    if (invoice.status !== 'open' || invoice.amount_due_minor <= 0) {
      throw new Problem(409, 'invoice-state', `This invoice is ${invoice.status} and cannot be paid.`);
    }
    const processor = await this.processors.available();
    if (!processor) throw new Problem(503, 'payments-unavailable', 'Online payment is unavailable.');
    const contact = invoice.contact_id
      ? await this.db('contacts').where({ id: invoice.contact_id }).first()
      : null;
    const reference = invoice.contact_id
      ? `contact:${invoice.contact_id}`
      : `company:${invoice.company_id ?? 'none'}`;
    const { customerId } = await processor.ensureCustomer({
      reference,
      email: contact?.email ?? null,
      name: [contact?.first_name, contact?.last_name].filter(Boolean).join(' ') || null,
      idempotencyKey: `ensure-customer:${reference}`,
    });
    const page = this.documents.payUrl(invoice);
    // Same invoice version and amount → same key → the processor returns the same session.
    const session = await processor.createCheckout({
      mode: 'payment',
      customerId,
      amountMinor: invoice.amount_due_minor,
      currency: invoice.currency,
      description: `Invoice ${invoice.number}`,
      methods: ['card', 'us_bank_account'],
      successUrl: `${page}?checkout=done`,
      cancelUrl: page,
      metadata: { invoice_id: String(invoice.id), invoice_number: invoice.number ?? '' },
      idempotencyKey: `invoice:${invoice.id}:v${invoice.version}:checkout:${invoice.amount_due_minor}`,
    });
    void res.status(303).header('location', session.url).send();
  }

  private async find(token: string): Promise<InvoiceRow> {
    const invoice = TOKEN.test(token) ? await this.repo.getByToken(this.db, token) : undefined;
    if (!invoice) throw new Problem(404, 'not-found', 'There is no invoice at this address.');
    return invoice;
  }
}
