import type { BulkInsertRepository } from './bulk-insert.repository';
import { type ChangeRecorder, type Ctx, diff } from './ingest.support';
import type { PaymentRepository, Row } from './payment.repository';
import type { BalanceTxnRecord } from './payment-source.port';

/**
 * Mirrors balance transactions (one set-based upsert per chunk) and carries fees and payouts onto
 * payments and refunds already stored. A backfill writes a payout's transactions before the
 * charges they pay out where it can, so those payments are born with their payout; the ones
 * written earlier are updated here in bulk (one statement per chunk), each changed row still with
 * its version bump, audit row and outbox row.
 */
export class BalanceTxnIngest {
  constructor(
    private readonly repo: PaymentRepository,
    private readonly bulk: BulkInsertRepository,
    private readonly recorder: ChangeRecorder,
  ) {}

  async apply(ctx: Ctx, rs: BalanceTxnRecord[]) {
    if (!rs.length) return;
    const { trx } = ctx;
    const payouts = await this.repo.byProcessorIds(trx, 'payouts', ctx.processor, [
      ...new Set(rs.map((r) => r.payoutExternalId).filter((p): p is string => !!p)),
    ]);
    const sources = rs.map((r) => r.sourceExternalId).filter((s): s is string => !!s);
    const payments = new Map(
      (await this.repo.paymentsByProcessorIds(trx, ctx.processor, sources, true)).map((p) => [
        p.processor_id,
        p,
      ]),
    );
    const refunds = await this.repo.byProcessorIds(trx, 'refunds', ctx.processor, sources, true);
    const disputes = await this.repo.byProcessorIds(trx, 'disputes', ctx.processor, sources);
    await this.bulk.balanceTxns(
      trx,
      rs.map((r) => ({
        connection_id: ctx.connectionId,
        processor: ctx.processor,
        processor_id: r.externalId,
        type: r.type,
        category: r.category,
        source_external_id: r.sourceExternalId,
        payment_id: payments.get(r.sourceExternalId)?.id ?? null,
        refund_id: refunds.get(r.sourceExternalId ?? '')?.id ?? null,
        dispute_id: disputes.get(r.sourceExternalId ?? '')?.id ?? null,
        payout_id: payouts.get(r.payoutExternalId ?? '')?.id ?? null,
        payout_external_id: r.payoutExternalId,
        amount_minor: r.amountMinor,
        fee_minor: r.feeMinor,
        net_minor: r.netMinor,
        currency: r.currency,
        occurred_at: r.createdAt,
        available_on: r.availableOn,
        updated_at: new Date(),
      })),
    );
    const pPatches = new Map<number, [Row, Row]>();
    const rPatches = new Map<number, [Row, Row]>();
    for (const r of rs) {
      const payoutId = payouts.get(r.payoutExternalId ?? '')?.id ?? null;
      const p = payments.get(r.sourceExternalId);
      if (p && r.category === 'charge') {
        const patch = diff(p, {
          fee_minor: r.feeMinor,
          net_minor: p.status === 'failed' ? 0 : p.amount_minor - r.feeMinor,
          ...(payoutId ? { payout_id: payoutId } : {}),
        });
        if (Object.keys(patch).length) pPatches.set(p.id, [p, patch]);
      }
      const re = refunds.get(r.sourceExternalId ?? '');
      if (re && payoutId && re.payout_id !== payoutId) rPatches.set(re.id, [re, { payout_id: payoutId }]);
    }
    await this.recorder.record(
      ctx,
      'payment',
      [],
      await this.repo.updateMany(trx, 'payments', [...pPatches.values()]),
    );
    await this.recorder.record(
      ctx,
      'refund',
      [],
      await this.repo.updateMany(trx, 'refunds', [...rPatches.values()]),
    );
  }

  /**
   * Links a connection's mirrored transactions with the payments, refunds and disputes written
   * after them, and carries payout and fee onto payments and refunds that missed them: the closing
   * step of a backfill whose writers ran side by side (set-based; changed rows are captured).
   */
  async relink(ctx: Ctx) {
    const { trx, connectionId } = ctx;
    for (const [column, table] of [
      ['payment_id', 'payments'],
      ['refund_id', 'refunds'],
      ['dispute_id', 'disputes'],
    ] as const)
      await trx.raw(
        `update balance_transactions b set ?? = o.id from ?? o
         where b.connection_id = ? and b.?? is null
           and o.processor = b.processor and o.processor_id = b.source_external_id`,
        [column, table, connectionId, column],
      );
    const payments = await trx.raw(
      `select p.*, b.fee_minor as bt_fee, b.payout_id as bt_payout
       from balance_transactions b join payments p on p.id = b.payment_id
       where b.connection_id = ? and b.category = 'charge'
         and (p.fee_minor <> b.fee_minor or (b.payout_id is not null and p.payout_id is distinct from b.payout_id))
       for update of p`,
      [connectionId],
    );
    const pPatches: [Row, Row][] = (payments.rows as Row[]).map(({ bt_fee, bt_payout, ...p }) => [
      p,
      diff(p, {
        fee_minor: Number(bt_fee),
        net_minor: p.status === 'failed' ? 0 : Number(p.amount_minor) - Number(bt_fee),
        ...(bt_payout ? { payout_id: bt_payout } : {}),
      }),
    ]);
    const refunds = await trx.raw(
      `select r.*, b.payout_id as bt_payout
       from balance_transactions b join refunds r on r.id = b.refund_id
       where b.connection_id = ? and b.payout_id is not null and r.payout_id is distinct from b.payout_id
       for update of r`,
      [connectionId],
    );
    const rPatches: [Row, Row][] = (refunds.rows as Row[]).map(({ bt_payout, ...r }) => [
      r,
      { payout_id: bt_payout },
    ]);
    await this.recorder.record(ctx, 'payment', [], await this.repo.updateMany(trx, 'payments', pPatches));
    await this.recorder.record(ctx, 'refund', [], await this.repo.updateMany(trx, 'refunds', rPatches));
  }
}
