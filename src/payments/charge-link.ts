import type { Ctx } from './ingest.support';
import type { PaymentRepository } from './payment.repository';
import type { DisputeRecord, RefundRecord } from './payment-source.port';

/**
 * Refunds and disputes of charges we hold, with the columns they share; those of unknown charges
 * are skipped here (the pull brings the charge first: events fetch it, a backfill writes every
 * charge before any refund or dispute).
 */
export async function linkedToPayments<R extends RefundRecord | DisputeRecord>(
  repo: PaymentRepository,
  ctx: Ctx,
  rs: R[],
) {
  const rows = await repo.paymentsByProcessorIds(ctx.trx, ctx.processor, [
    ...new Set(rs.map((r) => r.chargeExternalId)),
  ]);
  const ids = new Map(rows.map((p) => [p.processor_id as string, p.id as number]));
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
