import type { Knex } from 'knex';
import { type Db, rowsOf } from '../app/database';

export interface OutboxRow {
  id: number;
  txid: number;
  object: string;
  object_id: number;
  version: number;
  op: string;
}

/**
 * Reads sync_outbox by per-consumer cursors. Positions are (txid, id) pairs and reads stop at the
 * snapshot's xmin: every transaction with a smaller id has committed or aborted, so all of its rows
 * are visible now and nothing can later appear behind the cursor. A bigserial id alone cannot do
 * this (ids are taken at insert, rows appear at commit, so a late commit would be skipped); a time
 * lag only makes skipping unlikely. The cost: rows wait until older open transactions finish.
 */
export class OutboxRepository {
  async horizon(db: Db): Promise<number> {
    const res = await db.raw(`select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as xmin`);
    return Number(rowsOf<{ xmin: number | string }>(res)[0].xmin);
  }

  /** Locks (creating if needed) the cursor of a consumer, so two dispatchers never both advance it. */
  async lockCursor(trx: Knex.Transaction, consumer: string, startAt: () => Promise<number>) {
    let row = await trx('sync_consumer_cursors').where({ consumer }).forUpdate().first();
    if (!row) {
      // A new consumer starts at the horizon: older changes are covered by a full run.
      await trx('sync_consumer_cursors')
        .insert({ consumer, last_txid: (await startAt()) - 1, last_id: Number.MAX_SAFE_INTEGER })
        .onConflict('consumer')
        .ignore();
      row = await trx('sync_consumer_cursors').where({ consumer }).forUpdate().first();
    }
    return { lastTxid: Number(row.last_txid), lastId: Number(row.last_id) };
  }

  async readAfter(
    db: Db,
    after: { lastTxid: number; lastId: number },
    horizon: number,
    limit: number,
  ): Promise<OutboxRow[]> {
    const res = await db.raw(
      `select id, txid, object, object_id, version, op from sync_outbox
        where (txid, id) > (?, ?) and txid < ?
        order by txid, id limit ?`,
      [after.lastTxid, after.lastId, horizon, limit],
    );
    return rowsOf<OutboxRow>(res).map((r) => ({ ...r, id: Number(r.id), txid: Number(r.txid) }));
  }

  async advance(db: Db, consumer: string, to: { lastTxid: number; lastId: number }) {
    await db('sync_consumer_cursors')
      .where({ consumer })
      .update({ last_txid: to.lastTxid, last_id: to.lastId, updated_at: db.fn.now() });
  }

  /**
   * Deletes outbox rows every consumer has passed, once they are a day old (so a reader outside the
   * sync engine that polls the outbox directly still has time to see them).
   */
  async prune(db: Db): Promise<number> {
    const res = await db.raw(
      `with m as (select last_txid, last_id from sync_consumer_cursors order by last_txid, last_id limit 1)
       delete from sync_outbox o using m
        where (o.txid, o.id) <= (m.last_txid, m.last_id) and o.at < now() - interval '1 day'`,
    );
    return (res as { rowCount?: number }).rowCount ?? 0;
  }
}
