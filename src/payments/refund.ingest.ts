import { linkedToPayments } from './charge-link';
import { type Ctx, upsertByProcessorId, type UpsertDeps } from './ingest.support';
import type { RefundRecord } from './payment-source.port';

/** Refunds of known payments, keyed by (processor, processor_id); new ones take their payout. */
export class RefundIngest {
  constructor(private readonly deps: UpsertDeps) {}

  async apply(ctx: Ctx, rs: RefundRecord[]) {
    if (!rs.length) return;
    const linked = await linkedToPayments(this.deps.repo, ctx, rs);
    await upsertByProcessorId(
      this.deps,
      ctx,
      'refunds',
      'refund',
      linked.map(({ record: r, columns }) => ({ ...columns, refunded_at: r.createdAt })),
    );
  }
}
