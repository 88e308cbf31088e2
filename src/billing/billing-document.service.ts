import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { AppConfig } from '../app/config';
import type { Db } from '../app/database';
import { Problem } from '../app/problem';
import { CONFIG, KNEX } from '../app/tokens';
import { BillingSettingsService } from './billing-settings.service';
import { formatMoney } from './currency';
import { InvoiceRepository, InvoiceRow } from './invoice.repository';
import { BillingPaymentRepository } from './payment.repository';
import { renderPdf, RenderModel } from './pdf.renderer';
import { TemplateService } from './template.service';
import { fill, TemplateModel } from './template.types';

/** Builds what customers see (PDFs, email placeholders, the pay page) from invoices and receipts. */
@Injectable()
export class BillingDocumentService {
  private readonly invoices = new InvoiceRepository();
  private readonly payments = new BillingPaymentRepository();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly templates: TemplateService,
    private readonly settings: BillingSettingsService,
  ) {}

  payUrl(invoice: Record<string, any>): string {
    return invoice.public_token ? `${this.config.publicBaseUrl}/pay/invoice/${invoice.public_token}` : '';
  }

  /** Placeholder values shared by emails and templates. */
  async vars(db: Db, invoice: InvoiceRow): Promise<Record<string, string>> {
    const s = await this.settings.get(db);
    const contact = await this.payments.contact(db, invoice.contact_id);
    const company = await this.payments.company(db, invoice.company_id);
    const name =
      [contact?.first_name, contact?.last_name].filter(Boolean).join(' ') || company?.name || 'customer';
    return {
      organisation: s.organisation_name,
      customer_name: name,
      customer_email: contact?.email ?? '',
      invoice_number: invoice.number ?? `draft ${invoice.id}`,
      total: formatMoney(invoice.total_minor, invoice.currency),
      amount_due: formatMoney(invoice.amount_due_minor, invoice.currency),
      amount_paid: formatMoney(invoice.amount_paid_minor, invoice.currency),
      issue_date: invoice.issue_date ?? '',
      due_date: invoice.due_date ?? '',
      pay_url: this.payUrl(invoice),
    };
  }

  async invoiceModel(db: Db, invoice: InvoiceRow, templateId?: number | null) {
    const template = await this.templates.resolve(db, 'invoice', templateId ?? invoice.template_id);
    const v = await this.vars(db, invoice);
    const lines = await this.invoices.lines(db, invoice.id);
    const company = await this.payments.company(db, invoice.company_id);
    const place = [company?.city, company?.country].filter(Boolean).join(', ');
    const customer = [
      company?.name,
      v.customer_name !== company?.name ? v.customer_name : null,
      v.customer_email,
      place,
    ].filter((x): x is string => !!x && x !== 'customer');
    const totals: Array<[string, number]> = [['Subtotal', invoice.subtotal_minor]];
    if (invoice.discount_minor) totals.push(['Discount', -invoice.discount_minor]);
    if (invoice.fees_minor) totals.push(['Fees', invoice.fees_minor]);
    for (const t of invoice.tax_summary ?? []) {
      totals.push([`${t.code ?? 'Tax'} ${t.rate}%${t.inclusive ? ' (included)' : ''}`, t.taxMinor]);
    }
    totals.push(['Total', invoice.total_minor]);
    if (invoice.amount_paid_minor) totals.push(['Paid', -invoice.amount_paid_minor]);
    if (invoice.amount_credited_minor)
      totals.push(['Refunded (credit notes)', invoice.amount_credited_minor]);
    const model: RenderModel = {
      title: fill(template.sections.title ?? 'Invoice', v),
      number: invoice.number ?? `DRAFT-${invoice.id}`,
      currency: invoice.currency,
      organisation: v.organisation,
      customer: customer.length ? customer : ['—'],
      facts: [
        ['Issue date', invoice.issue_date ?? '—'],
        ['Due date', invoice.due_date ?? '—'],
        ['Terms', String(invoice.terms).replace('_', ' ')],
        ['Status', invoice.status],
      ],
      lines: lines.map((l) => ({
        description: l.description ?? '',
        quantity: trimQty(l.quantity),
        unitMinor: l.unit_price_minor,
        taxMinor: l.tax_minor,
        totalMinor: l.total_minor,
      })),
      totals,
      emphasis: ['Amount due', invoice.amount_due_minor],
      intro: fill(template.sections.intro ?? '', v) || undefined,
      notes: [invoice.memo, fill(template.sections.notes ?? '', v)].filter(Boolean).join('\n') || undefined,
      instructions:
        invoice.status === 'open' && invoice.public_token
          ? fill(template.sections.payment_instructions ?? '', v)
          : undefined,
    };
    return { model, template };
  }

  async invoicePdf(id: number, templateId?: number | null, db: Db = this.db): Promise<Buffer> {
    const invoice = await this.invoices.get(db, id);
    if (!invoice || invoice.archived_at) throw Problem.notFound('invoice', id);
    const { model, template } = await this.invoiceModel(db, invoice, templateId);
    return renderPdf(model, template);
  }

  async receiptPdf(id: number, templateId?: number | null, db: Db = this.db): Promise<Buffer> {
    const receipt = await this.payments.receipt(db, id);
    if (!receipt) throw Problem.notFound('receipt', id);
    const invoice = (await this.invoices.get(db, receipt.invoice_id)) as InvoiceRow;
    const template = await this.templates.resolve(db, 'receipt', templateId);
    return renderPdf(await this.receiptModel(db, receipt, invoice, template), template);
  }

  async receiptModel(
    db: Db,
    receipt: any,
    invoice: InvoiceRow,
    template: TemplateModel,
  ): Promise<RenderModel> {
    const v = await this.vars(db, invoice);
    const payment = receipt.payment_id ? await this.payments.payment(db, receipt.payment_id) : undefined;
    const refund = receipt.kind === 'refund';
    const method = payment ? [payment.method, payment.method_detail].filter(Boolean).join(' / ') : '—';
    return {
      title: refund ? 'Refund receipt' : fill(template.sections.title ?? 'Receipt', v),
      number: receipt.number,
      currency: receipt.currency,
      organisation: v.organisation,
      customer: [v.customer_name, v.customer_email].filter(Boolean),
      facts: [
        ['Invoice', v.invoice_number],
        ['Date', new Date(receipt.issued_at).toISOString().slice(0, 10)],
        ['Method', method],
      ],
      lines: [],
      totals: [
        ['Invoice total', invoice.total_minor],
        ['Paid to date', invoice.amount_paid_minor],
      ],
      emphasis: [refund ? 'Amount refunded' : 'Amount received', receipt.amount_minor],
      intro: refund ? undefined : fill(template.sections.intro ?? '', v) || undefined,
      notes: fill(template.sections.notes ?? '', v) || undefined,
    };
  }
}

function trimQty(q: string | number): string {
  const s = String(q);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
