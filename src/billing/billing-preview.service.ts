import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { Problem } from '../app/problem';
import { KNEX } from '../app/tokens';
import { BillingDocumentService } from './billing-document.service';
import { escapeHtml } from './invoice.notifier';
import { InvoiceRepository } from './invoice.repository';
import { BillingPaymentRepository } from './payment.repository';
import { renderPdf, RenderModel } from './pdf.renderer';
import { TemplateRepository } from './template.repository';
import { modelOf } from './template.service';
import { EmailKind, fill, TemplateKind } from './template.types';

const SAMPLE_VARS: Record<string, string> = {
  organisation: 'Ledgerline',
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  invoice_number: 'INV-000123',
  total: 'USD 1,234.50',
  amount_due: 'USD 1,234.50',
  amount_paid: 'USD 0.00',
  issue_date: '2026-01-01',
  due_date: '2026-01-31',
  pay_url: 'https://billing.example.com/pay/invoice/sample',
  receipt_number: 'RCPT-000045',
  amount: 'USD 1,234.50',
  credit_note_number: 'CN-000007',
};

function sampleModel(kind: TemplateKind, title: string): RenderModel {
  return {
    title,
    number: kind === 'receipt' ? 'RCPT-000045' : 'INV-000123',
    currency: 'USD',
    organisation: 'Ledgerline',
    customer: ['Analytical Engines Ltd', 'Ada Lovelace', 'ada@example.com'],
    facts: [
      ['Issue date', '2026-01-01'],
      ['Due date', '2026-01-31'],
    ],
    lines:
      kind === 'receipt'
        ? []
        : [
            {
              description: 'Consulting (sample)',
              quantity: '10',
              unitMinor: 10000,
              taxMinor: 5000,
              totalMinor: 105000,
            },
            {
              description: 'Support plan (sample)',
              quantity: '1',
              unitMinor: 18500,
              taxMinor: 0,
              totalMinor: 18500,
            },
          ],
    totals: [
      ['Subtotal', 118500],
      ['Tax', 5000],
    ],
    emphasis: [kind === 'receipt' ? 'Amount received' : 'Amount due', 123500],
  };
}

/** Renders a template with a real document or a sample, for the preview endpoint. */
@Injectable()
export class BillingPreviewService {
  private readonly templates = new TemplateRepository();
  private readonly invoices = new InvoiceRepository();
  private readonly payments = new BillingPaymentRepository();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    private readonly documents: BillingDocumentService,
  ) {}

  async preview(id: number, opts: { invoice_id?: number; receipt_id?: number; email_kind?: EmailKind }) {
    const row = await this.templates.get(this.db, id);
    if (!row) throw Problem.notFound('template', id);
    const kind = row.kind as TemplateKind;
    const template = modelOf(kind, row);
    const invoice = opts.invoice_id ? await this.invoices.get(this.db, opts.invoice_id) : undefined;
    if (opts.invoice_id && !invoice)
      throw Problem.validation([{ field: 'invoice_id', message: 'unknown invoice' }]);

    if (kind === 'email') {
      const section = template.sections[opts.email_kind ?? 'invoice_sent'] as {
        subject: string;
        body: string;
      };
      const vars = invoice
        ? { ...SAMPLE_VARS, ...(await this.documents.vars(this.db, invoice)) }
        : SAMPLE_VARS;
      const text = fill(section.body, vars);
      return { subject: fill(section.subject, vars), text, html: escapeHtml(text).replace(/\n/g, '<br>') };
    }
    if (kind === 'receipt') {
      if (opts.receipt_id) {
        const receipt = await this.payments.receipt(this.db, opts.receipt_id);
        if (!receipt) throw Problem.validation([{ field: 'receipt_id', message: 'unknown receipt' }]);
        const inv = (await this.invoices.get(this.db, receipt.invoice_id))!;
        return renderPdf(await this.documents.receiptModel(this.db, receipt, inv, template), template);
      }
      return renderPdf(
        sampleModel('receipt', fill(template.sections.title ?? 'Receipt', SAMPLE_VARS)),
        template,
      );
    }
    if (invoice && kind === 'invoice') {
      const { model } = await this.documents.invoiceModel(this.db, invoice, id);
      return renderPdf(model, template);
    }
    return renderPdf(sampleModel(kind, fill(template.sections.title ?? 'Invoice', SAMPLE_VARS)), template);
  }
}
