import { linkedToPayments } from './charge-link';
import { type Ctx, diff, statusHistoryRow, upsertByProcessorId, type UpsertDeps } from './ingest.support';
import type { Row } from './payment.repository';
import type { DisputeRecord } from './payment-source.port';

/** Disputes (chargebacks) of known payments; a dispute that is not won marks its payment disputed. */
export class DisputeIngest {
  constructor(private readonly deps: UpsertDeps) {}

  async apply(ctx: Ctx, rs: DisputeRecord[]) {
    if (!rs.length) return;
    const linked = await linkedToPayments(this.deps.repo, ctx, rs);
    await this.markDisputed(
      ctx,
      linked.map((l) => l.record),
    );
    await upsertByProcessorId(
      this.deps,
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

  /** A dispute that is not won holds the money: the payment shows as disputed. */
  private async markDisputed(ctx: Ctx, rs: DisputeRecord[]) {
    const open = new Map(
      rs.filter((r) => !['won', 'warning_closed'].includes(r.status)).map((r) => [r.chargeExternalId, r]),
    );
    const rows = await this.deps.repo.paymentsByProcessorIds(ctx.trx, ctx.processor, [...open.keys()], true);
    const updated: [Row, Row][] = [];
    for (const p of rows) {
      const d = open.get(p.processor_id as string)!;
      const patch = diff(p, { status: 'disputed', amount_disputed_minor: d.amountMinor });
      if (!Object.keys(patch).length) continue;
      updated.push([p, await this.deps.repo.update(ctx.trx, 'payments', p.id, patch)]);
      if (patch.status)
        await this.deps.repo.history(ctx.trx, [statusHistoryRow(p.id, p.status, 'disputed', ctx.source)]);
    }
    await this.deps.recorder.record(ctx, 'payment', [], updated);
  }
}
