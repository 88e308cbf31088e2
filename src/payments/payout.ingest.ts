import type { Knex } from 'knex';
import { type Ctx, upsertByProcessorId, type UpsertDeps } from './ingest.support';
import type { PayoutRecord } from './payment-source.port';

/** Payouts, and their composition once their balance transactions are mirrored. */
export class PayoutIngest {
  constructor(private readonly deps: UpsertDeps) {}

  async apply(ctx: Ctx, rs: PayoutRecord[]) {
    if (!rs.length) return;
    await upsertByProcessorId(
      this.deps,
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

  /**
   * Composition (gross, fees, refunds, chargebacks, other, net) of these payouts from their
   * transactions (the payout's own transaction excluded), in one statement.
   */
  async recompose(trx: Knex.Transaction, processor: string, payoutIds: string[]) {
    if (!payoutIds.length) return;
    const sum = (category: string) =>
      `coalesce(sum(b.amount_minor) filter (where b.category = '${category}'), 0)`;
    await trx.raw(
      `update payouts p set gross_minor = c.gross, fees_minor = c.fees, refunds_minor = c.refunds,
         chargebacks_minor = c.chargebacks, other_minor = c.other, net_minor = c.net, composed_at = now()
       from (
         select b.payout_id, ${sum('charge')} as gross, coalesce(sum(b.fee_minor), 0) as fees,
           ${sum('refund')} as refunds, ${sum('dispute')} as chargebacks, ${sum('other')} as other,
           coalesce(sum(b.net_minor), 0) as net
         from payouts po join balance_transactions b on b.payout_id = po.id
         where po.processor = ? and po.processor_id in (select jsonb_array_elements_text(?::jsonb))
           and b.category <> 'payout'
         group by b.payout_id
       ) c
       where p.id = c.payout_id`,
      [processor, JSON.stringify(payoutIds)],
    );
  }
}
