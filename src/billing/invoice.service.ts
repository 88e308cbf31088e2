import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import type { AppConfig } from '../app/config';
import { Problem } from '../app/problem';
import { CONFIG, KNEX } from '../app/tokens';
import { BillingSettingsService } from './billing-settings.service';
import { BILLING_CLOCK, BillingClock } from './billing.tokens';
import { InvoiceNotifier } from './invoice.notifier';
import { InvoiceRepository, InvoiceRow } from './invoice.repository';
import { compute, norm, resolveLines, storedLines, withDerived } from './invoice-lines';
import { addDays, CreateInvoice, TERM_DAYS, Terms, todayIn, UpdateInvoice } from './invoice.types';
import { BillingPaymentRepository } from './payment.repository';

const EDITABLE = new Set(['draft', 'open']);

/** Invoice lifecycle: drafts, edits, finalising (numbering), void and uncollectible. */
@Injectable()
export class InvoiceService {
  private readonly repo = new InvoiceRepository();
  private readonly payments = new BillingPaymentRepository();
  private readonly changes = new ChangeCapture();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(BILLING_CLOCK) private readonly clock: BillingClock,
    private readonly settings: BillingSettingsService,
    private readonly notifier: InvoiceNotifier,
  ) {}

  today(): string {
    return todayIn(this.config.orgTimezone, this.clock.now());
  }

  async get(id: number) {
    const invoice = await this.repo.get(this.db, id);
    if (!invoice || invoice.archived_at) throw Problem.notFound('invoice', id);
    return this.expand(this.db, invoice);
  }

  async create(actor: Actor, body: CreateInvoice) {
    return this.db.transaction(async (trx) => {
      await this.checkRefs(trx, body);
      const terms: Terms = body.terms ?? (body.due_date ? 'custom' : 'net_30');
      const issue = body.issue_date ?? null;
      this.checkDates(terms, issue, body.due_date ?? null, body.due_date != null);
      const s = await this.settings.get(trx);
      const invoice = await this.repo.insert(trx, {
        currency: body.currency,
        source: body.source,
        source_id: body.source_id ?? null,
        number_prefix: body.number_prefix ?? s.invoice_prefix,
        company_id: body.company_id ?? null,
        contact_id: body.contact_id ?? null,
        deal_id: body.deal_id ?? null,
        terms,
        issue_date: issue,
        due_date: this.dueFrom(terms, issue, body.due_date ?? null),
        memo: body.memo ?? null,
        template_id: body.template_id ?? null,
        ...docAdjustments(body),
        rounding_mode: s.rounding_mode,
        rounding_level: s.rounding_level,
      });
      const after = await this.recompute(trx, invoice, body.lines ?? []);
      const full = await this.expand(trx, after);
      await this.changes.record(trx, actor, 'invoice', 'create', [
        { id: after.id, version: after.version, before: null, after: full },
      ]);
      return full;
    });
  }

  async update(actor: Actor, id: number, body: UpdateInvoice, ifMatch?: number) {
    return this.db.transaction(async (trx) => {
      const before = await this.lockEditable(trx, id, ifMatch);
      await this.checkRefs(trx, body);
      const terms: Terms = body.terms ?? (body.due_date ? 'custom' : (before.terms as Terms));
      const issue = body.issue_date !== undefined ? body.issue_date : before.issue_date;
      const due = body.due_date !== undefined ? body.due_date : before.due_date;
      this.checkDates(terms, issue, due, body.due_date != null);
      if (before.status === 'open' && body.issue_date === null) {
        throw Problem.validation([{ field: 'issue_date', message: 'an open invoice keeps its issue date' }]);
      }
      const patch: Record<string, unknown> = {};
      for (const k of ['company_id', 'contact_id', 'deal_id', 'memo', 'template_id'] as const) {
        if (body[k] !== undefined) patch[k] = body[k];
      }
      if (body.terms !== undefined || body.due_date !== undefined || body.issue_date !== undefined) {
        patch.terms = terms;
        patch.issue_date = issue;
        patch.due_date = this.dueFrom(terms, issue, due);
      }
      Object.assign(patch, docAdjustments(body, before));
      const patched = await this.repo.update(trx, id, patch);
      const after = await this.recompute(trx, patched, body.lines);
      if (after.total_minor < after.amount_paid_minor) {
        throw Problem.conflict(`The new total is below the ${after.amount_paid_minor} already paid.`, [
          { field: 'lines', message: 'total would be below the amount paid' },
        ]);
      }
      const full = await this.expand(trx, after);
      await this.changes.record(trx, actor, 'invoice', 'update', [
        { id, version: after.version, before, after: full },
      ]);
      return full;
    });
  }

  /** Draft → open: takes the next number of its prefix, fixes the dates, mints the pay-page token. */
  async finalize(actor: Actor, id: number, opts: { issue_date?: string; send: boolean }) {
    return this.db.transaction(async (trx) => {
      const before = await this.lock(trx, id);
      if (before.status !== 'draft') throw this.stateProblem(before, 'finalised');
      const lines = await this.repo.lines(trx, id);
      if (!lines.length)
        throw Problem.validation([{ field: 'lines', message: 'an invoice needs at least one line' }]);
      const issue = opts.issue_date ?? before.issue_date ?? this.today();
      const terms = before.terms as Terms;
      if (terms === 'custom' && !before.due_date) {
        throw Problem.validation([{ field: 'due_date', message: 'is required with terms custom' }]);
      }
      const due = this.dueFrom(terms, issue, before.due_date) as string;
      this.checkDates(terms, issue, due, false);
      const seq = await this.repo.nextNumber(trx, before.number_prefix);
      let after = await this.repo.update(trx, id, {
        status: before.total_minor === 0 ? 'paid' : 'open',
        number: `${before.number_prefix}-${String(seq).padStart(6, '0')}`,
        issue_date: issue,
        due_date: due,
        finalized_at: this.clock.now(),
        paid_at: before.total_minor === 0 ? this.clock.now() : null,
        public_token: randomBytes(24).toString('base64url'),
      });
      // Sent only when there is someone to send to; same transaction and version as the finalising.
      const sent = opts.send ? await this.notifier.invoiceSent(trx, after, this.clock.now()) : undefined;
      if (sent?.email) {
        [after] = await trx('invoices').where({ id }).update({ sent_at: this.clock.now() }).returning('*');
      }
      const full = await this.expand(trx, after);
      await this.changes.record(trx, actor, 'invoice', 'update', [
        { id, version: after.version, before, after: full },
      ]);
      return sent ? { ...full, ...sent } : full;
    });
  }

  async send(actor: Actor, id: number) {
    return this.db.transaction(async (trx) => {
      const invoice = await this.lock(trx, id);
      if (invoice.status !== 'open') throw this.stateProblem(invoice, 'sent');
      const sent = await this.notifier.invoiceSent(trx, invoice, this.clock.now(), true);
      if (!sent.email) {
        throw new Problem(422, 'no-recipient', 'The invoice has no contact with an email address.', [
          { field: 'contact_id', message: 'needs a contact with an email address' },
        ]);
      }
      const after = await this.repo.update(trx, id, { sent_at: this.clock.now() });
      await this.changes.record(trx, actor, 'invoice', 'update', [
        { id, version: after.version, before: invoice, after },
      ]);
      return { ...after, ...sent };
    });
  }

  async void(actor: Actor, id: number, reason: string) {
    return this.db.transaction(async (trx) => {
      const before = await this.lock(trx, id);
      if (!EDITABLE.has(before.status) && before.status !== 'uncollectible')
        throw this.stateProblem(before, 'voided');
      if (before.amount_paid_minor > 0) {
        throw Problem.conflict(
          'This invoice has payments; refund them with a credit note instead of voiding.',
        );
      }
      const after = await this.repo.update(trx, id, {
        status: 'void',
        void_reason: reason,
        voided_at: this.clock.now(),
        amount_due_minor: 0,
        overdue_since: null,
      });
      await this.changes.record(trx, actor, 'invoice', 'update', [
        { id, version: after.version, before, after },
      ]);
      return this.expand(trx, after);
    });
  }

  async markUncollectible(actor: Actor, id: number, reason?: string) {
    return this.db.transaction(async (trx) => {
      const before = await this.lock(trx, id);
      if (before.status !== 'open') throw this.stateProblem(before, 'marked uncollectible');
      const after = await this.repo.update(trx, id, {
        status: 'uncollectible',
        uncollectible_at: this.clock.now(),
        void_reason: reason ?? null,
      });
      await this.changes.record(trx, actor, 'invoice', 'update', [
        { id, version: after.version, before, after },
      ]);
      return this.expand(trx, after);
    });
  }

  /** The invoice with its lines, payments, credit notes and receipts. */
  async expand(db: Knex | Knex.Transaction, invoice: InvoiceRow) {
    // Sequential on purpose: PGlite has one connection.
    const lines = await this.repo.lines(db, invoice.id);
    const payments = await this.payments.paymentsOf(db, invoice.id);
    const credit_notes = await this.payments.creditNotesOf(db, invoice.id);
    const receipts = await this.payments.receiptsOf(db, invoice.id);
    return { ...invoice, lines, payments, credit_notes, receipts };
  }

  /** Derives every amount from the lines, in the caller's transaction. */
  private async recompute(trx: Knex.Transaction, invoice: InvoiceRow, lines?: CreateInvoice['lines']) {
    const resolved = lines
      ? await resolveLines(trx, this.repo, invoice.currency, lines)
      : storedLines(await this.repo.lines(trx, invoice.id));
    const discount = invoice.document_discount_type
      ? invoice.document_discount_type === 'percent'
        ? { type: 'percent' as const, value: norm(invoice.document_discount_value) }
        : { type: 'amount' as const, value: Number(invoice.document_discount_value) }
      : null;
    const result = compute(invoice.currency, resolved.inputs, {
      discount,
      feesMinor: invoice.document_fees_minor,
      rounding: { mode: invoice.rounding_mode, level: invoice.rounding_level },
    });
    await this.repo.replaceLines(trx, invoice.id, withDerived(resolved.rows, resolved.inputs, result));
    const [row] = await trx('invoices')
      .where({ id: invoice.id })
      .update({
        subtotal_minor: result.subtotalMinor,
        discount_minor: result.discountMinor,
        fees_minor: result.feesMinor,
        net_minor: result.netMinor,
        tax_minor: result.taxMinor,
        total_minor: result.totalMinor,
        amount_due_minor: Math.max(0, result.totalMinor - invoice.amount_paid_minor),
        tax_summary: JSON.stringify(result.taxes),
      })
      .returning('*');
    return row as InvoiceRow;
  }

  /** The due date from the terms; null for a draft without an issue date yet. */
  private dueFrom(terms: Terms, issue: string | null, custom: string | null): string | null {
    const days = TERM_DAYS[terms];
    if (days === null) return custom;
    return issue ? addDays(issue, days) : null;
  }

  private checkDates(terms: Terms, issue: string | null, due: string | null, dueGiven: boolean) {
    if (terms !== 'custom' && dueGiven) {
      throw Problem.validation([
        { field: 'due_date', message: `is derived from terms ${terms}; use terms custom to set a due date` },
      ]);
    }
    if (terms === 'custom' && issue && due && due < issue) {
      throw Problem.validation([{ field: 'due_date', message: `${due} is before the issue date ${issue}` }]);
    }
  }

  private async checkRefs(trx: Knex.Transaction, body: Partial<CreateInvoice>) {
    const refs: Array<[keyof CreateInvoice, string]> = [
      ['company_id', 'companies'],
      ['contact_id', 'contacts'],
      ['deal_id', 'deals'],
      ['template_id', 'templates'],
    ];
    const errors = [];
    for (const [field, table] of refs) {
      const v = body[field] as number | null | undefined;
      if (v && !(await this.repo.liveIds(trx, table, [v])).has(v))
        errors.push({ field, message: `unknown ${table.slice(0, -1)} ${v}` });
    }
    if (errors.length) throw new Problem(422, 'reference', 'A referenced record does not exist.', errors);
  }

  private async lock(trx: Knex.Transaction, id: number) {
    const row = await this.repo.get(trx, id, true);
    if (!row || row.archived_at) throw Problem.notFound('invoice', id);
    return row;
  }

  private async lockEditable(trx: Knex.Transaction, id: number, ifMatch?: number) {
    const row = await this.lock(trx, id);
    if (ifMatch !== undefined && ifMatch !== row.version) {
      throw new Problem(
        412,
        'version-mismatch',
        `invoice ${id} is at version ${row.version}, not ${ifMatch}.`,
      );
    }
    if (!EDITABLE.has(row.status)) throw this.stateProblem(row, 'edited');
    return row;
  }

  private stateProblem(row: InvoiceRow, what: string) {
    return new Problem(409, 'invoice-state', `invoice ${row.id} is ${row.status} and cannot be ${what}.`, [
      { field: 'status', message: `is ${row.status}` },
    ]);
  }
}

function docAdjustments(body: UpdateInvoice, before?: InvoiceRow) {
  const out: Record<string, unknown> = {};
  if (body.discount !== undefined) {
    out.document_discount_type = body.discount?.type ?? null;
    out.document_discount_value = body.discount ? String(body.discount.value) : null;
  }
  if (body.fees_minor !== undefined) out.document_fees_minor = body.fees_minor;
  else if (!before) out.document_fees_minor = 0;
  return out;
}
