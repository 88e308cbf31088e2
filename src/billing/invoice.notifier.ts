import { Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { BillingDocumentService } from './billing-document.service';
import { formatMoney } from './currency';
import { EmailOutboxRepository } from './email-outbox.repository';
import type { InvoiceRow } from './invoice.repository';
import { TemplateService } from './template.service';
import { EmailKind, fill } from './template.types';

export interface Notified {
  email: { id: number; state: string; to: string; created: boolean } | null;
  email_skipped?: string;
}

/**
 * Customer emails about invoices and receipts, written to email_outbox in the caller's
 * transaction. Each has an idempotency key naming the event, so retries and the daily jobs never
 * send the same reminder or receipt twice; explicit resends use a new key.
 */
@Injectable()
export class InvoiceNotifier {
  private readonly outbox = new EmailOutboxRepository();

  constructor(
    private readonly documents: BillingDocumentService,
    private readonly templates: TemplateService,
  ) {}

  invoiceSent(trx: Knex.Transaction, invoice: InvoiceRow, now: Date, resend = false) {
    const key = resend ? `invoice:${invoice.id}:sent:${now.toISOString()}` : `invoice:${invoice.id}:sent`;
    return this.enqueue(trx, 'invoice_sent', key, invoice, now, {}, [
      { kind: 'invoice_pdf', id: invoice.id, filename: `${invoice.number}.pdf` },
    ]);
  }

  reminder(trx: Knex.Transaction, invoice: InvoiceRow, now: Date) {
    return this.enqueue(trx, 'reminder', `invoice:${invoice.id}:reminder:${invoice.due_date}`, invoice, now);
  }

  overdue(trx: Knex.Transaction, invoice: InvoiceRow, now: Date) {
    return this.enqueue(trx, 'overdue', `invoice:${invoice.id}:overdue:${invoice.due_date}`, invoice, now);
  }

  paid(trx: Knex.Transaction, invoice: InvoiceRow, now: Date) {
    return this.enqueue(trx, 'paid', `invoice:${invoice.id}:paid`, invoice, now);
  }

  /** A receipt email; `sendNo` distinguishes resends (1 for the first). */
  receipt(
    trx: Knex.Transaction,
    receipt: any,
    invoice: InvoiceRow,
    now: Date,
    sendNo: number,
    creditNote?: any,
  ) {
    const kind: EmailKind = receipt.kind === 'refund' ? 'refund_receipt' : 'receipt';
    return this.enqueue(
      trx,
      kind,
      `receipt:${receipt.id}:send:${sendNo}`,
      invoice,
      now,
      {
        receipt_number: receipt.number,
        amount: formatMoney(receipt.amount_minor, receipt.currency),
        credit_note_number: creditNote?.number ?? '',
      },
      [{ kind: 'receipt_pdf', id: receipt.id, filename: `${receipt.number}.pdf` }],
      { object: 'receipt', id: receipt.id },
    );
  }

  private async enqueue(
    trx: Knex.Transaction,
    kind: EmailKind,
    key: string,
    invoice: InvoiceRow,
    now: Date,
    extra: Record<string, string> = {},
    attachments: Array<{ kind: 'invoice_pdf' | 'receipt_pdf'; id: number; filename: string }> = [],
    related = { object: 'invoice', id: invoice.id },
  ): Promise<Notified> {
    const vars = { ...(await this.documents.vars(trx, invoice)), ...extra };
    if (!vars.customer_email)
      return { email: null, email_skipped: 'the invoice has no contact with an email address' };
    const template = await this.templates.resolve(trx, 'email');
    const section = template.sections[kind] as { subject: string; body: string };
    const text = fill(section.body, vars);
    const color = template.theme.primary_color ?? '#1f3a5f';
    const html =
      `<div style="font-family:sans-serif;border-top:6px solid ${color};padding:16px">` +
      `${escapeHtml(text).replace(/\n/g, '<br>')}` +
      (template.theme.footer
        ? `<p style="color:#666;font-size:12px">${escapeHtml(template.theme.footer)}</p>`
        : '') +
      '</div>';
    const { row, created } = await this.outbox.enqueue(
      trx,
      {
        idempotency_key: key,
        kind,
        to_address: vars.customer_email,
        subject: fill(section.subject, vars),
        text_body: text,
        html_body: html,
        attachments,
        related_object: related.object,
        related_id: related.id,
      },
      now,
    );
    return { email: { id: row.id, state: row.state, to: row.to_address, created } };
  }
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
