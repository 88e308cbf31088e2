import type { Knex } from 'knex';
import type { BulkInsertRepository } from './bulk-insert.repository';
import { type ChangeRecorder, type Ctx, diff } from './ingest.support';
import type { PaymentRepository, Row } from './payment.repository';
import type { BalanceTxnRecord } from './payment-source.port';

/**
 * Mirrors balance transactions (one set-based upsert per chunk, linked in SQL to the payments,
 * refunds, disputes and payouts already stored) and carries fees and payouts onto payments and
 * refunds that do not show them yet. A backfill writes a payout's transactions before the charges
 * they pay out where it can, so those payments are born with their payout; the ones written
 * earlier are found by one query and updated in bulk, each changed row still with its version
 * bump, audit row and outbox row.
 */
export class BalanceTxnIngest {
  constructor(
    private readonly repo: PaymentRepository,
    private readonly bulk: BulkInsertRepository,
    private readonly recorder: ChangeRecorder,
  ) {}

  async apply(ctx: Ctx, rs: BalanceTxnRecord[]) {
    if (!rs.length) return;
    await this.bulk.balanceTxns(
      ctx.trx,
      rs.map((r) => ({
        connection_id: ctx.connectionId,
        processor: ctx.processor,
        processor_id: r.externalId,
        type: r.type,
        category: r.category,
        source_external_id: r.sourceExternalId,
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
    await this.carryOver(
      ctx,
      rs.map((r) => r.externalId),
    );
  }

  /**
   * Links a connection's mirrored transactions with the payments, refunds and disputes written
   * after them, and carries payout and fee onto the payments and refunds that missed them: the
   * closing step of a backfill whose writers ran side by side (set-based; changes are captured).
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
    await this.carryOver(ctx, null);
  }

  /**
   * Payments whose charge transaction shows another fee or a payout they lack, and refunds paid
   * out in a payout they lack: of the given transactions, or (null) of the whole connection.
   */
  private async carryOver(ctx: Ctx, txnIds: string[] | null) {
    const { trx } = ctx;
    const scope = (b: string) =>
      txnIds
        ? {
            sql: `${b}.processor = ? and ${b}.processor_id in (select jsonb_array_elements_text(?::jsonb))`,
            args: [ctx.processor, JSON.stringify(txnIds)],
          }
        : { sql: `${b}.connection_id = ?`, args: [ctx.connectionId] };
    const s = scope('b');
    const payments = await trx.raw(
      `select p.*, b.fee_minor as bt_fee, b.payout_id as bt_payout
       from balance_transactions b join payments p on p.id = b.payment_id
       where ${s.sql} and b.category = 'charge'
         and (p.fee_minor <> b.fee_minor
              or (b.payout_id is not null and p.payout_id is distinct from b.payout_id))
       for update of p`,
      s.args,
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
       where ${s.sql} and b.payout_id is not null and r.payout_id is distinct from b.payout_id
       for update of r`,
      s.args,
    );
    const rPatches: [Row, Row][] = (refunds.rows as Row[]).map(({ bt_payout, ...r }) => [
      r,
      { payout_id: bt_payout },
    ]);
    await this.record(ctx, trx, 'payments', 'payment', pPatches);
    await this.record(ctx, trx, 'refunds', 'refund', rPatches);
  }

  private async record(
    ctx: Ctx,
    trx: Knex.Transaction,
    table: string,
    object: string,
    patches: [Row, Row][],
  ) {
    if (patches.length)
      await this.recorder.record(ctx, object, [], await this.repo.updateMany(trx, table, patches));
  }
}
