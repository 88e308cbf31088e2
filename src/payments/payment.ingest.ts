import type { InvoicePaymentService } from '../billing/invoice-payment.service';
import type { BulkInsertRepository } from './bulk-insert.repository';
import { type ChangeRecorder, type Ctx, diff, statusHistoryRow } from './ingest.support';
import type { PaymentRepository, Row } from './payment.repository';
import type { ChargeRecord } from './payment-source.port';

/** A payment's status as the hub shows it, derived from the processor's charge. */
export function paymentStatus(r: ChargeRecord): string {
  if (r.status !== 'succeeded') return r.status;
  if (r.disputed) return 'disputed';
  if (r.amountRefundedMinor > 0)
    return r.amountRefundedMinor >= r.amountMinor ? 'refunded' : 'partially_refunded';
  return 'succeeded';
}

function numericMeta(r: ChargeRecord, key: string): number | null {
  const v = r.metadata[key];
  return v && /^\d{1,15}$/.test(v) ? Number(v) : null;
}
const invoiceIdOf = (r: ChargeRecord) => numericMeta(r, 'invoice_id');
const subscriptionIdOf = (r: ChargeRecord) => numericMeta(r, 'subscription_id');

/**
 * Charges → payments. New charges are inserted in bulk (BulkInsertRepository.payments: history,
 * audit, outbox and the payout link in the same statement); known ones are compared and updated
 * with a status history row when their status moved. A new succeeded charge whose metadata names
 * an invoice goes through billing's applyProcessorPayment, which marks the invoice paid.
 */
export class PaymentIngest {
  constructor(
    private readonly repo: PaymentRepository,
    private readonly bulk: BulkInsertRepository,
    private readonly recorder: ChangeRecorder,
    private readonly invoicePayments?: InvoicePaymentService,
  ) {}

  async apply(ctx: Ctx, rs: ChargeRecord[]) {
    if (!rs.length) return;
    const { trx } = ctx;
    const owners = await this.repo.customerOwners(trx, ctx.connectionId, [
      ...new Set(rs.map((r) => r.customerExternalId).filter((c): c is string => !!c)),
    ]);
    const invoices = await this.repo.invoices(
      trx,
      rs.map((r) => invoiceIdOf(r)).filter((i): i is number => i !== null),
    );
    const forInvoice = (r: ChargeRecord) => invoices.has(invoiceIdOf(r) ?? -1);
    // Most charges are new: inserted blind in bulk; those already stored come back to compare.
    const { created, stored } = await this.bulk.payments(
      trx,
      rs.filter((r) => !forInvoice(r)).map((r) => this.freshRow(ctx, r, owners)),
      ctx.source,
    );
    ctx.counts.created += created;
    const again = new Set(stored);
    await this.compare(
      ctx,
      rs.filter((r) => forInvoice(r) || again.has(r.externalId)),
      owners,
      invoices,
    );
  }

  private fields(ctx: Ctx, r: ChargeRecord, fee: number) {
    return {
      connection_id: ctx.connectionId,
      amount_minor: r.amountMinor,
      currency: r.currency,
      method: r.method,
      method_detail: r.methodDetail,
      status: paymentStatus(r),
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
    } as Row;
  }

  private freshRow(ctx: Ctx, r: ChargeRecord, owners: Owners): Row {
    const owner = r.customerExternalId ? owners.get(r.customerExternalId) : undefined;
    return {
      ...this.fields(ctx, r, 0),
      ...(owner ?? {}),
      // Unknown fee: the bulk insert takes it from the mirrored balance transaction (net follows).
      fee_minor: r.feeMinor,
      net_minor: r.status === 'succeeded' ? r.amountMinor : null,
      processor: ctx.processor,
      processor_id: r.externalId,
      invoice_id: null,
      subscription_id: subscriptionIdOf(r),
      paid_on: r.createdAt.toISOString().slice(0, 10),
    };
  }

  /** Stored charges compared and updated; new ones for an invoice recorded through billing. */
  private async compare(ctx: Ctx, rs: ChargeRecord[], owners: Owners, invoices: Map<number, Row>) {
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
    const fresh: Row[] = [];
    const updated: [Row, Row][] = [];
    const history: Row[] = [];
    for (const r of rs) {
      const before = existing.get(r.externalId);
      const status = paymentStatus(r);
      const fee = r.feeMinor ?? (before?.fee_minor as number | undefined) ?? 0;
      const owner = r.customerExternalId ? owners.get(r.customerExternalId) : undefined;
      const fields: Row = {
        ...this.fields(ctx, r, fee),
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
        if (patch.status) history.push(statusHistoryRow(after.id, before.status, status, ctx.source));
        continue;
      }
      const invoice = invoices.get(invoiceIdOf(r) ?? -1);
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
        // Billing audited the payment it created: counted here, its later patch captured below.
        ctx.counts.created++;
        history.push(statusHistoryRow(payment.id, null, status, ctx.source));
        continue;
      }
      fresh.push(this.freshRow(ctx, r, owners));
    }
    // An invoice's charge that billing does not take (another currency, failed): a plain payment.
    const { created } = await this.bulk.payments(trx, fresh, ctx.source);
    ctx.counts.created += created;
    await this.repo.history(trx, history);
    await this.recorder.record(ctx, 'payment', [], updated);
  }
}

type Owners = Map<string, { contact_id: number | null; company_id: number | null }>;
