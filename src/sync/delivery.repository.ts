import type { Knex } from 'knex';
import { type Db, rowsOf } from '../app/database';
import type { DeliveryRow, Outcome } from './sync.types';

export interface NewDelivery {
  object: string;
  object_id: number;
  version: number;
  op: string;
  outbox_id?: number | null;
}

/** All SQL on `sync_deliveries`: fan-out, leasing with SKIP LOCKED, completion and retries. */
export class DeliveryRepository {
  /**
   * Adds deliveries for one connection. A record that already waits (pending or failed) is not
   * queued twice: the waiting delivery takes the newer version (workers always push the record's
   * current state, so coalescing loses nothing).
   */
  async enqueue(
    db: Db,
    connectionId: number,
    runId: number | null,
    input: NewDelivery[],
    at: Date,
    /** A full run takes waiting deliveries over (its counts cover every record); the outbox does not. */
    claim = true,
  ): Promise<number> {
    // One statement cannot touch a row twice: keep the newest change per record first.
    const latest = new Map<string, NewDelivery>();
    for (const r of input) {
      const k = `${r.object}:${r.object_id}`;
      const seen = latest.get(k);
      if (!seen || r.version >= seen.version) latest.set(k, r);
    }
    const rows = [...latest.values()];
    let n = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(',');
      const params = chunk.flatMap((r) => [
        connectionId,
        r.object,
        r.object_id,
        r.version,
        r.op,
        runId,
        r.outbox_id ?? null,
        at,
      ]);
      const res = await db.raw(
        `insert into sync_deliveries (connection_id, object, object_id, version, op, run_id, outbox_id, next_attempt_at)
         values ${values}
         on conflict (connection_id, object, object_id) where state in ('pending','failed')
         do update set version = greatest(sync_deliveries.version, excluded.version), op = excluded.op,
           run_id = ${claim ? 'coalesce(excluded.run_id, sync_deliveries.run_id)' : 'coalesce(sync_deliveries.run_id, excluded.run_id)'},
           updated_at = now()`,
        params,
      );
      n += (res as { rowCount?: number; affectedRows?: number }).rowCount ?? res.affectedRows ?? chunk.length;
    }
    return n;
  }

  /**
   * A delivery for every row of a canonical table, in one statement (a full run), taking over
   * waiting deliveries of the same records. Returns the number of records.
   */
  async enqueueTable(db: Db, connectionId: number, runId: number, object: string, table: string, at: Date) {
    const res = await db.raw(
      `insert into sync_deliveries (connection_id, object, object_id, version, op, run_id, next_attempt_at)
       select ?, ?, t.id, t.version, 'sync', ?, ?::timestamptz from ?? t
       on conflict (connection_id, object, object_id) where state in ('pending','failed')
       do update set version = greatest(sync_deliveries.version, excluded.version), op = excluded.op,
         run_id = excluded.run_id, updated_at = now()`,
      [connectionId, object, runId, at, table],
    );
    return (res as { rowCount?: number }).rowCount ?? 0;
  }

  /**
   * Leases up to `limit` due deliveries for this worker. FOR UPDATE SKIP LOCKED lets any number
   * of processes lease concurrently without taking the same row; a record that another worker is
   * handling right now (an unexpired lease) is left alone so one record is never pushed twice at once.
   * Expired leases (a crashed worker) are taken over.
   */
  async lease(db: Knex, workerId: string, limit: number, leaseMs: number, now: Date): Promise<DeliveryRow[]> {
    const res = await db.raw(
      `with picked as (
         select c.id from sync_deliveries c
          where ((c.state in ('pending','failed') and c.next_attempt_at <= ?::timestamptz)
                 or (c.state = 'leased' and c.lease_until < ?::timestamptz))
            and not exists (
              select 1 from sync_deliveries o
               where o.connection_id = c.connection_id and o.object = c.object and o.object_id = c.object_id
                 and o.id <> c.id and o.state = 'leased' and o.lease_until >= ?::timestamptz)
          order by c.next_attempt_at, c.id
          limit ?
          for update skip locked)
       update sync_deliveries d
          set state = 'leased', leased_by = ?, lease_until = ?::timestamptz, attempts = d.attempts + 1, updated_at = now()
         from picked where d.id = picked.id
       returning d.*`,
      [now, now, now, limit, workerId, new Date(now.getTime() + leaseMs)],
    );
    return rowsOf<DeliveryRow>(res).sort((a, b) => a.id - b.id);
  }

  /** A restarted worker (same id) gives back the leases its previous life held. */
  async releaseOwn(db: Db, workerId: string): Promise<number> {
    return db('sync_deliveries')
      .where({ state: 'leased', leased_by: workerId })
      .update({ state: 'pending', lease_until: null, updated_at: db.fn.now() });
  }

  async complete(db: Db, id: number, workerId: string, outcome: Outcome): Promise<boolean> {
    const n = await db('sync_deliveries')
      .where({ id, state: 'leased', leased_by: workerId })
      .update({ state: 'done', outcome, lease_until: null, last_error: null, updated_at: db.fn.now() });
    return n === 1;
  }

  /**
   * Hands a failed delivery back for a later attempt (or marks it dead). If the record meanwhile
   * has another waiting delivery, this one is closed as failed and the waiting one carries the retry.
   */
  async fail(db: Db, d: DeliveryRow, workerId: string, error: string, nextAt: Date | null): Promise<void> {
    const waiting = await db('sync_deliveries')
      .where({ connection_id: d.connection_id, object: d.object, object_id: d.object_id })
      .whereIn('state', ['pending', 'failed'])
      .whereNot({ id: d.id })
      .first('id');
    const state = nextAt === null ? 'dead' : waiting ? 'done' : 'failed';
    await db('sync_deliveries')
      .where({ id: d.id, state: 'leased', leased_by: workerId })
      .update({
        state,
        outcome: 'failed',
        last_error: error.slice(0, 2000),
        lease_until: null,
        next_attempt_at: nextAt ?? db.fn.now(),
        updated_at: db.fn.now(),
      });
  }

  async openRunIds(db: Db): Promise<number[]> {
    const rows: { id: number }[] = await db('sync_runs')
      .where({ status: 'running', plan: false })
      .select('id');
    return rows.map((r) => Number(r.id));
  }

  async runCounts(db: Db, runId: number) {
    const rows: { state: string; outcome: string | null; n: number | string }[] = await db('sync_deliveries')
      .where({ run_id: runId })
      .select('state', 'outcome')
      .count({ n: '*' })
      .groupBy('state', 'outcome');
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }
}
