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

  /** Composition (gross, fees, refunds, chargebacks, net) of these payouts from their transactions. */
  async recompose(trx: Knex.Transaction, processor: string, payoutIds: string[]) {
    if (!payoutIds.length) return;
    for (const po of await trx('payouts')
      .where({ processor })
      .whereIn('processor_id', payoutIds)
      .select('id')) {
      const { transactions, ...c } = await this.deps.repo.composition(trx, po.id);
      if (!transactions) continue;
      await trx('payouts')
        .where({ id: po.id })
        .update({ ...c, composed_at: trx.fn.now() });
    }
  }
}
