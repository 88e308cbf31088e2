import type { Knex } from 'knex';
import { SYSTEM_ACTOR } from '../app/auth/access';
import { type Change, ChangeCapture } from '../app/change-capture.repository';
import type { BulkInsertRepository } from './bulk-insert.repository';
import type { PaymentRepository, Row } from './payment.repository';

/** Shared by the ingest steps of payments, refunds, disputes, payouts and balance transactions. */
export interface IngestCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface Ctx {
  trx: Knex.Transaction;
  connectionId: number;
  processor: string;
  counts: IngestCounts;
  source: string;
}

const same = (a: unknown, b: unknown) =>
  a instanceof Date || b instanceof Date
    ? new Date(a as string).getTime() === new Date(b as string).getTime()
    : JSON.stringify(a) === JSON.stringify(b);

/** The fields of `next` that differ from `row`. */
export function diff(row: Row, next: Row): Row {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => !same(row[k], v)));
}

const CAPTURE_CHUNK = 2000;

/**
 * Audit + outbox of canonical changes made row by row (updates, and the rare creates that go
 * through billing), counted. New rows inserted in bulk capture themselves in SQL
 * (BulkInsertRepository).
 */
export class ChangeRecorder {
  private readonly capture = new ChangeCapture();

  async record(ctx: Ctx, object: string, created: Row[], updated: [Row, Row][]) {
    ctx.counts.created += created.length;
    ctx.counts.updated += updated.length;
    const changes = updated.map(([b, a]) => ({ id: a.id, version: a.version, before: b, after: a }));
    // Chunked: a payout can update 100,000 payments, and one audit/outbox insert of that many rows
    // would pass PostgreSQL's 65,535 bind parameters.
    for (let i = 0; i < created.length; i += CAPTURE_CHUNK)
      await this.capture.record(
        ctx.trx,
        SYSTEM_ACTOR,
        object,
        'create',
        created
          .slice(i, i + CAPTURE_CHUNK)
          .map((row): Change => ({ id: row.id, version: row.version, before: null, after: row })),
      );
    for (let i = 0; i < changes.length; i += CAPTURE_CHUNK)
      await this.capture.record(ctx.trx, SYSTEM_ACTOR, object, 'update', changes.slice(i, i + CAPTURE_CHUNK));
  }
}

/**
 * Inserts new rows (in bulk, capturing themselves) and updates changed ones (row by row, with
 * before/after in the audit) of a processor-keyed table; unchanged rows are only counted.
 */
export interface UpsertDeps {
  repo: PaymentRepository;
  bulk: BulkInsertRepository;
  recorder: ChangeRecorder;
}

export async function upsertByProcessorId(
  deps: UpsertDeps,
  ctx: Ctx,
  table: 'refunds' | 'disputes' | 'payouts',
  object: string,
  rows: Row[],
) {
  const existing = await deps.repo.byProcessorIds(
    ctx.trx,
    table,
    ctx.processor,
    rows.map((r) => r.processor_id),
    true,
  );
  ctx.counts.created += await deps.bulk.records(
    ctx.trx,
    table,
    object,
    rows.filter((r) => !existing.has(r.processor_id)),
  );
  const updated: [Row, Row][] = [];
  for (const r of rows) {
    const before = existing.get(r.processor_id);
    if (!before) continue;
    const patch = diff(before, r);
    if (!Object.keys(patch).length) ctx.counts.unchanged++;
    else updated.push([before, await deps.repo.update(ctx.trx, table, before.id, patch)]);
  }
  await deps.recorder.record(ctx, object, [], updated);
}

export const statusHistoryRow = (paymentId: number, from: string | null, status: string, source: string) => ({
  payment_id: paymentId,
  from_status: from,
  status,
  at: new Date(),
  source,
});
