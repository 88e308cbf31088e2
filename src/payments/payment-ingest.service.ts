import type { Knex } from 'knex';
import { SYSTEM_ACTOR } from '../app/auth/access';
import { type Change, ChangeCapture } from '../app/change-capture.repository';
import type { InvoicePaymentService } from '../billing/invoice-payment.service';
import { BalanceTxnIngest } from './balance-txn.ingest';
import { type Ctx, diff, type IngestCounts } from './ingest.support';
import { PaymentRepository, type Row } from './payment.repository';
import type {
  ChargeRecord,
  DisputeRecord,
  PayoutRecord,
  ProcessorRecord,
  RefundRecord,
} from './payment-source.port';

export type { IngestCounts } from './ingest.support';

const CAPTURE_CHUNK = 2000;

/** A payment's status as the hub shows it, derived from the processor's charge. */
export function paymentStatus(r: ChargeRecord): string {
  if (r.status !== 'succeeded') return r.status;
  if (r.disputed) return 'disputed';
  if (r.amountRefundedMinor > 0)
    return r.amountRefundedMinor >= r.amountMinor ? 'refunded' : 'partially_refunded';
  return 'succeeded';
}

/**
 * Writes processor records into payments, refunds, disputes, payouts and balance_transactions
 * in the caller's transaction, keyed by (processor, processor_id): applying the same record twice
 * changes nothing, so replayed and duplicated events are harmless. Canonical rows get audit +
 * outbox (ChangeCapture) and payments a status history. A new succeeded charge whose metadata names
 * an invoice goes through billing's applyProcessorPayment, which marks the invoice paid.
 */
export class PaymentIngestService {
  private readonly repo = new PaymentRepository();
  private readonly capture = new ChangeCapture();
  private readonly balance = new BalanceTxnIngest(this.repo, (ctx, object, created, updated) =>
    this.record(ctx, object, created, updated),
  );

  constructor(private readonly invoicePayments?: InvoicePaymentService) {}

  async apply(
    trx: Knex.Transaction,
    connectionId: number,
    processor: string,
    records: ProcessorRecord[],
    source: string,
  ): Promise<IngestCounts> {
    const counts: IngestCounts = { created: 0, updated: 0, unchanged: 0 };
    const of = <K extends ProcessorRecord['kind']>(k: K) =>
      records.filter((r) => r.kind === k) as Extract<ProcessorRecord, { kind: K }>[];
    // Last record per id wins inside a batch (events arrive oldest first).
    const last = <T extends { externalId: string }>(rs: T[]) => [
      ...new Map(rs.map((r) => [r.externalId, r])).values(),
    ];
    const ctx = { trx, connectionId, processor, counts, source };
    await this.payouts(ctx, last(of('payout')));
    await this.charges(ctx, last(of('payment')));
    await this.refunds(ctx, last(of('refund')));
    await this.disputes(ctx, last(of('dispute')));
    await this.balance.apply(ctx, last(of('balance_transaction')));
    return counts;
  }

  private async record(ctx: Ctx, object: string, created: Row[], updated: [Row, Row][]) {
    ctx.counts.created += created.length;
    ctx.counts.updated += updated.length;
    const changes = updated.map(([b, a]) => ({ id: a.id, version: a.version, before: b, after: a }));
    // Chunked: a payout page can update 100,000 payments, and one audit/outbox insert of that many
    // rows would pass PostgreSQL's 65,535 bind parameters.
    for (let i = 0; i < created.length; i += CAPTURE_CHUNK)
      await this.capture.record(
        ctx.trx,
        SYSTEM_ACTOR,
        object,
        'create',
        created.slice(i, i + CAPTURE_CHUNK).map(asChange(null)),
      );
    for (let i = 0; i < changes.length; i += CAPTURE_CHUNK)
      await this.capture.record(ctx.trx, SYSTEM_ACTOR, object, 'update', changes.slice(i, i + CAPTURE_CHUNK));
  }

  /** Inserts new rows and updates changed ones of a processor-keyed table. */
  private async upsert(ctx: Ctx, table: string, object: string, rows: Row[]) {
    const existing = await this.repo.byProcessorIds(
      ctx.trx,
      table,
      ctx.processor,
      rows.map((r) => r.processor_id),
      true,
    );
    const fresh = rows.filter((r) => !existing.has(r.processor_id));
    const created = await this.repo.insert(ctx.trx, table, fresh);
    const updated: [Row, Row][] = [];
    for (const r of rows) {
      const before = existing.get(r.processor_id);
      if (!before) continue;
      const patch = diff(before, r);
      if (!Object.keys(patch).length) {
        ctx.counts.unchanged++;
        continue;
      }
      updated.push([before, await this.repo.update(ctx.trx, table, before.id, patch)]);
    }
    await this.record(ctx, object, created, updated);
    return new Map(
      [...created, ...updated.map(([, a]) => a), ...existing.values()].map((r) => [r.processor_id, r]),
    );
  }

  private async payouts(ctx: Ctx, rs: PayoutRecord[]) {
    await this.upsert(
      ctx,
      'payouts',
      'payout',
      rs.map((r) => ({
        connection_id: ctx.connectionId,
        processor: ctx.processor,
        processor_id: r.externalId,
        amount_minor: r.amountMinor,
        currency: r.currency,
        status: r.status,
        arrival_date: r.arrivalDate,
        initiated_at: r.createdAt,
      })),
    );
  }

  private async charges(ctx: Ctx, rs: ChargeRecord[]) {
    if (!rs.length) return;
    const { trx } = ctx;
    const existing = new Map(
      (
        await this.repo.paymentsByProcessorIds(
          trx,
          ctx.processor,
          rs.map((r) => r.externalId),
          true,
        )
      ).map((p) => [p.processor_id as string, p]),
    );
    const owners = await this.repo.customerOwners(trx, ctx.connectionId, [
      ...new Set(rs.map((r) => r.customerExternalId).filter((c): c is string => !!c)),
    ]);
    const invoiceIds = rs.map((r) => invoiceIdOf(r)).filter((i): i is number => i !== null);
    const invoices = await this.repo.invoices(trx, invoiceIds);
    const fresh: Row[] = [];
    const updated: [Row, Row][] = [];
    const history: Row[] = [];
    for (const r of rs) {
      const before = existing.get(r.externalId);
      const status = paymentStatus(r);
      const fee = r.feeMinor ?? (before?.fee_minor as number | undefined) ?? 0;
      const owner = r.customerExternalId ? owners.get(r.customerExternalId) : undefined;
      const fields: Row = {
        connection_id: ctx.connectionId,
        amount_minor: r.amountMinor,
        currency: r.currency,
        method: r.method,
        method_detail: r.methodDetail,
        status,
        fee_minor: fee,
        net_minor: r.status === 'succeeded' ? r.amountMinor - fee : 0,
        amount_refunded_minor: r.amountRefundedMinor,
        processor_intent_id: r.intentId,
        customer_external_id: r.customerExternalId,
        description: r.description,
        failure_code: r.failureCode,
        failure_message: r.failureMessage,
        metadata: r.metadata,
        paid_at: r.createdAt,
        ...(owner && !before?.contact_id && !before?.company_id ? owner : {}),
      };
      if (before) {
        const patch = diff(before, fields);
        if (!Object.keys(patch).length) {
          ctx.counts.unchanged++;
          continue;
        }
        const after = await this.repo.update(trx, 'payments', before.id, patch);
        updated.push([before, after]);
        if (patch.status) history.push(hist(after.id, before.status, status, ctx.source));
        continue;
      }
      const invoiceId = invoiceIdOf(r);
      const invoice = invoiceId !== null ? invoices.get(invoiceId) : undefined;
      if (invoice && r.status === 'processing') continue; // recorded once it settles (billing applies only succeeded money)
      if (invoice && r.status === 'succeeded' && invoice.currency === r.currency && this.invoicePayments) {
        // Billing inserts the payment and applies it to the invoice (idempotent per processor id).
        const { payment } = await this.invoicePayments.applyProcessorPayment(
          {
            invoiceId: invoice.id,
            amountMinor: r.amountMinor,
            currency: r.currency,
            method: r.method === 'ach' ? 'ach' : 'card',
            processor: ctx.processor,
            processorId: r.externalId,
            feeMinor: fee,
            paidAt: r.createdAt,
          },
          trx,
        );
        const patch = diff(payment, { ...fields, subscription_id: subscriptionIdOf(r) });
        const after = Object.keys(patch).length
          ? await this.repo.update(trx, 'payments', payment.id, patch)
          : payment;
        if (after !== payment) updated.push([payment, after]);
        ctx.counts.created++;
        history.push(hist(payment.id, null, status, ctx.source));
        continue;
      }
      fresh.push({
        ...fields,
        processor: ctx.processor,
        processor_id: r.externalId,
        invoice_id: null,
        subscription_id: subscriptionIdOf(r),
        paid_on: r.createdAt.toISOString().slice(0, 10),
      });
    }
    const created = await this.repo.insert(trx, 'payments', fresh);
    for (const p of created) history.push(hist(p.id, null, p.status, ctx.source));
    await this.repo.history(trx, history);
    await this.record(ctx, 'payment', created, updated);
  }

  private async paymentIds(ctx: Ctx, chargeIds: string[]) {
    const rows = await this.repo.paymentsByProcessorIds(ctx.trx, ctx.processor, [...new Set(chargeIds)]);
    return new Map(rows.map((p) => [p.processor_id as string, p.id as number]));
  }

  private async refunds(ctx: Ctx, rs: RefundRecord[]) {
    const linked = await this.linkedToPayments(ctx, rs);
    await this.upsert(
      ctx,
      'refunds',
      'refund',
      linked.map(({ record: r, columns }) => ({ ...columns, refunded_at: r.createdAt })),
    );
  }

  private async disputes(ctx: Ctx, rs: DisputeRecord[]) {
    const linked = await this.linkedToPayments(ctx, rs);
    await this.markDisputed(
      ctx,
      linked.map((l) => l.record),
    );
    await this.upsert(
      ctx,
      'disputes',
      'dispute',
      linked.map(({ record: r, columns }) => ({
        ...columns,
        // An event snapshot may not carry the fee; keep what a fuller read found.
        ...(r.feeMinor ? { fee_minor: r.feeMinor } : {}),
        opened_at: r.createdAt,
        evidence_due_by: r.evidenceDueBy,
      })),
    );
  }

  /**
   * Refunds and disputes of charges we hold, with the columns they share; those of unknown
   * charges wait for a later page that brings the charge.
   */
  private async linkedToPayments<R extends RefundRecord | DisputeRecord>(ctx: Ctx, rs: R[]) {
    const ids = await this.paymentIds(
      ctx,
      rs.map((r) => r.chargeExternalId),
    );
    return rs
      .filter((r) => ids.has(r.chargeExternalId))
      .map((record) => ({
        record,
        columns: {
          payment_id: ids.get(record.chargeExternalId),
          connection_id: ctx.connectionId,
          amount_minor: record.amountMinor,
          currency: record.currency,
          status: record.status,
          reason: record.reason,
          processor: ctx.processor,
          processor_id: record.externalId,
        },
      }));
  }

  /** A dispute that is not won holds the money: the payment shows as disputed. */
  private async markDisputed(ctx: Ctx, rs: DisputeRecord[]) {
    const open = rs.filter((r) => !['won', 'warning_closed'].includes(r.status));
    const rows = await this.repo.paymentsByProcessorIds(
      ctx.trx,
      ctx.processor,
      open.map((r) => r.chargeExternalId),
      true,
    );
    const updated: [Row, Row][] = [];
    for (const p of rows) {
      const d = open.find((r) => r.chargeExternalId === p.processor_id)!;
      const patch = diff(p, { status: 'disputed', amount_disputed_minor: d.amountMinor });
      if (!Object.keys(patch).length) continue;
      updated.push([p, await this.repo.update(ctx.trx, 'payments', p.id, patch)]);
      if (patch.status) await this.repo.history(ctx.trx, [hist(p.id, p.status, 'disputed', ctx.source)]);
    }
    await this.record(ctx, 'payment', [], updated);
  }
}

const asChange =
  (before: null) =>
  (row: Row): Change => ({ id: row.id, version: row.version, before, after: row });

const hist = (paymentId: number, from: string | null, status: string, source: string) => ({
  payment_id: paymentId,
  from_status: from,
  status,
  at: new Date(),
  source,
});

function numericMeta(r: ChargeRecord, key: string): number | null {
  const v = r.metadata[key];
  return v && /^\d{1,15}$/.test(v) ? Number(v) : null;
}
const invoiceIdOf = (r: ChargeRecord) => numericMeta(r, 'invoice_id');
const subscriptionIdOf = (r: ChargeRecord) => numericMeta(r, 'subscription_id');
