import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Actor } from '../app/auth/access';
import { SYSTEM_ACTOR } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import type { AppConfig } from '../app/config';
import { Problem } from '../app/problem';
import { CONFIG, KNEX } from '../app/tokens';
import { BillingSettingsService } from './billing-settings.service';
import { BILLING_CLOCK, BillingClock } from './billing.tokens';
import { InvoiceNotifier } from './invoice.notifier';
import { InvoiceRepository, InvoiceRow } from './invoice.repository';
import { InvoiceService } from './invoice.service';
import { MarkPaid, todayIn } from './invoice.types';
import { BillingPaymentRepository } from './payment.repository';

/** A payment collected by a processor, as its pull/webhook path reports it. */
export interface ProcessorPayment {
  invoiceId: number;
  amountMinor: number;
  currency: string;
  method: 'card' | 'ach';
  processor: string;
  processorId: string;
  feeMinor?: number;
  paidAt: Date;
}

/** Money in and out of invoices: manual payments, processor payments, credit notes, receipts. */
@Injectable()
export class InvoicePaymentService {
  private readonly repo = new InvoiceRepository();
  private readonly payments = new BillingPaymentRepository();
  private readonly changes = new ChangeCapture();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(BILLING_CLOCK) private readonly clock: BillingClock,
    private readonly settings: BillingSettingsService,
    private readonly notifier: InvoiceNotifier,
    private readonly invoices: InvoiceService,
  ) {}

  /** Records a manual payment (cash, cheque, bank transfer…) for the amount, method and date given. */
  async markPaid(actor: Actor, id: number, body: MarkPaid) {
    return this.db.transaction(async (trx) => {
      const invoice = await this.lockPayable(trx, id);
      const amount = body.amount_minor ?? invoice.amount_due_minor;
      this.checkAmount(invoice, amount);
      const paidOn = body.paid_on ?? todayIn(this.config.orgTimezone, this.clock.now());
      if (invoice.issue_date && paidOn < invoice.issue_date) {
        throw Problem.validation([
          { field: 'paid_on', message: `is before the issue date ${invoice.issue_date}` },
        ]);
      }
      const payment = await this.payments.insertPayment(trx, {
        invoice_id: id,
        company_id: invoice.company_id,
        contact_id: invoice.contact_id,
        amount_minor: amount,
        currency: invoice.currency,
        method: body.method,
        method_detail: body.detail ?? null,
        status: 'succeeded',
        net_minor: amount,
        paid_on: paidOn,
        paid_at: new Date(`${paidOn}T12:00:00Z`),
        reference: body.reference ?? null,
      });
      await this.changes.record(trx, actor, 'payment', 'create', [
        { id: payment.id, version: payment.version, before: null, after: payment },
      ]);
      await this.applyPayment(trx, actor, invoice, payment);
      return this.invoices.expand(trx, (await this.repo.get(trx, id))!);
    });
  }

  /**
   * For the processor's pull/webhook path: applies a collected payment to its invoice. Idempotent
   * on (processor, processorId): a repeated event changes nothing and returns the same payment.
   */
  async applyProcessorPayment(p: ProcessorPayment, trx?: Knex.Transaction) {
    const run = async (t: Knex.Transaction) => {
      const existing = await this.payments.paymentByProcessorId(t, p.processor, p.processorId);
      if (existing) return { payment: existing, applied: false };
      const invoice = await this.repo.get(t, p.invoiceId, true);
      if (!invoice) throw Problem.notFound('invoice', p.invoiceId);
      if (p.currency !== invoice.currency) {
        throw Problem.validation([
          { field: 'currency', message: `is ${p.currency}; the invoice is in ${invoice.currency}` },
        ]);
      }
      if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) {
        throw Problem.validation([{ field: 'amount_minor', message: 'must be a positive integer' }]);
      }
      const payment = await this.payments.insertPayment(t, {
        invoice_id: invoice.id,
        company_id: invoice.company_id,
        contact_id: invoice.contact_id,
        amount_minor: p.amountMinor,
        currency: p.currency,
        method: p.method,
        status: 'succeeded',
        processor: p.processor,
        processor_id: p.processorId,
        fee_minor: p.feeMinor ?? 0,
        net_minor: p.amountMinor - (p.feeMinor ?? 0),
        paid_at: p.paidAt,
        paid_on: todayIn(this.config.orgTimezone, p.paidAt),
      });
      await this.changes.record(t, SYSTEM_ACTOR, 'payment', 'create', [
        { id: payment.id, version: payment.version, before: null, after: payment },
      ]);
      // Money the processor collected is always recorded. On an invoice that can no longer take
      // it (paid twice, voided meanwhile) it stays unapplied for finance to refund.
      if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
        return { payment, applied: false, reason: `invoice is ${invoice.status}` };
      }
      await this.applyPayment(t, SYSTEM_ACTOR, invoice, payment);
      return { payment, applied: true };
    };
    return trx ? run(trx) : this.db.transaction(run);
  }

  /** A refund after payment: a numbered credit note, a refund receipt and its email. */
  async creditNote(
    actor: Actor,
    id: number,
    body: { amount_minor: number; reason: string; payment_id?: number },
  ) {
    return this.db.transaction(async (trx) => {
      const invoice = await this.repo.get(trx, id, true);
      if (!invoice || invoice.archived_at) throw Problem.notFound('invoice', id);
      const refundable = invoice.amount_paid_minor - invoice.amount_credited_minor;
      if (refundable <= 0) {
        throw Problem.conflict(`invoice ${id} has no payment left to refund.`, [
          { field: 'amount_minor', message: 'nothing has been paid on this invoice' },
        ]);
      }
      if (body.amount_minor > refundable) {
        throw Problem.validation([
          { field: 'amount_minor', message: `exceeds the ${refundable} paid and not yet refunded` },
        ]);
      }
      if (body.payment_id) {
        const p = await this.payments.payment(trx, body.payment_id, true);
        if (!p || p.invoice_id !== id)
          throw Problem.validation([{ field: 'payment_id', message: 'is not a payment of this invoice' }]);
        if (body.amount_minor > p.amount_minor - p.amount_refunded_minor) {
          throw Problem.validation([
            { field: 'amount_minor', message: 'exceeds what is left of that payment' },
          ]);
        }
        const refunded = p.amount_refunded_minor + body.amount_minor;
        const after = await this.payments.updatePayment(trx, p.id, {
          amount_refunded_minor: refunded,
          status: refunded === p.amount_minor ? 'refunded' : 'partially_refunded',
        });
        await this.changes.record(trx, actor, 'payment', 'update', [
          { id: p.id, version: after.version, before: p, after },
        ]);
      }
      const s = await this.settings.get(trx);
      const seq = await this.repo.nextNumber(trx, s.credit_note_prefix);
      const note = await this.payments.insertCreditNote(trx, {
        number: `${s.credit_note_prefix}-${String(seq).padStart(6, '0')}`,
        invoice_id: id,
        payment_id: body.payment_id ?? null,
        amount_minor: body.amount_minor,
        currency: invoice.currency,
        reason: body.reason,
        issue_date: todayIn(this.config.orgTimezone, this.clock.now()),
      });
      await this.changes.record(trx, actor, 'credit_note', 'create', [
        { id: note.id, version: note.version, before: null, after: note },
      ]);
      const after = await this.repo.update(trx, id, {
        amount_credited_minor: invoice.amount_credited_minor + body.amount_minor,
      });
      await this.changes.record(trx, actor, 'invoice', 'update', [
        { id, version: after.version, before: invoice, after },
      ]);
      const receipt = await this.issueReceipt(trx, actor, after, {
        kind: 'refund',
        credit_note_id: note.id,
        payment_id: body.payment_id ?? null,
        amount_minor: body.amount_minor,
      });
      const notified = await this.notifier.receipt(trx, receipt, after, this.clock.now(), 1, note);
      return { credit_note: note, receipt, ...notified };
    });
  }

  /** Sends a receipt again (new outbox row, same PDF). */
  async resendReceipt(actor: Actor, receiptId: number) {
    return this.db.transaction(async (trx) => {
      const before = await this.payments.receipt(trx, receiptId, true);
      if (!before) throw Problem.notFound('receipt', receiptId);
      const invoice = (await this.repo.get(trx, before.invoice_id))!;
      const note = before.credit_note_id
        ? await trx('credit_notes').where({ id: before.credit_note_id }).first()
        : undefined;
      const receipt = await this.payments.markReceiptSent(trx, receiptId);
      await this.changes.record(trx, actor, 'receipt', 'update', [
        { id: receiptId, version: receipt.version, before, after: receipt },
      ]);
      return {
        receipt,
        ...(await this.notifier.receipt(trx, receipt, invoice, this.clock.now(), receipt.send_count, note)),
      };
    });
  }

  async receipt(id: number) {
    const r = await this.payments.receipt(this.db, id);
    if (!r) throw Problem.notFound('receipt', id);
    return r;
  }

  private async applyPayment(trx: Knex.Transaction, actor: Actor, invoice: InvoiceRow, payment: any) {
    const paid = invoice.amount_paid_minor + payment.amount_minor;
    // A processor may collect more than is due (two checkouts paid): amount due stops at zero.
    const due = Math.max(0, invoice.total_minor - paid);
    const after = await this.repo.update(trx, invoice.id, {
      amount_paid_minor: paid,
      amount_due_minor: due,
      ...(due === 0 ? { status: 'paid', paid_at: payment.paid_at, overdue_since: null } : {}),
    });
    await this.changes.record(trx, actor, 'invoice', 'update', [
      { id: invoice.id, version: after.version, before: invoice, after },
    ]);
    const receipt = await this.issueReceipt(trx, actor, after, {
      kind: 'payment',
      payment_id: payment.id,
      amount_minor: payment.amount_minor,
    });
    await this.notifier.receipt(trx, receipt, after, this.clock.now(), 1);
    if (due === 0) await this.notifier.paid(trx, after, this.clock.now());
  }

  private async issueReceipt(
    trx: Knex.Transaction,
    actor: Actor,
    invoice: InvoiceRow,
    r: Record<string, unknown>,
  ) {
    const s = await this.settings.get(trx);
    const seq = await this.repo.nextNumber(trx, s.receipt_prefix);
    const receipt = await this.payments.insertReceipt(trx, {
      ...r,
      number: `${s.receipt_prefix}-${String(seq).padStart(6, '0')}`,
      invoice_id: invoice.id,
      currency: invoice.currency,
      issued_at: this.clock.now(),
      send_count: 1,
      last_sent_at: this.clock.now(),
    });
    await this.changes.record(trx, actor, 'receipt', 'create', [
      { id: receipt.id, version: receipt.version, before: null, after: receipt },
    ]);
    return receipt;
  }

  private async lockPayable(trx: Knex.Transaction, id: number) {
    const invoice = await this.repo.get(trx, id, true);
    if (!invoice || invoice.archived_at) throw Problem.notFound('invoice', id);
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
      throw new Problem(
        409,
        'invoice-state',
        `invoice ${id} is ${invoice.status} and cannot take a payment.`,
        [{ field: 'status', message: `is ${invoice.status}` }],
      );
    }
    return invoice;
  }

  private checkAmount(invoice: InvoiceRow, amount: number) {
    if (amount <= 0 || amount > invoice.amount_due_minor) {
      throw Problem.validation([
        {
          field: 'amount_minor',
          message: `must be between 1 and the amount due (${invoice.amount_due_minor})`,
        },
      ]);
    }
  }
}
