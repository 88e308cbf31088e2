import type { Knex } from 'knex';
import type { Db } from '../app/database';
import { rowsOf } from '../app/database';
import type { SqlFragment } from '../app/query/filter.compiler';

export interface ListRow {
  id: number;
  version: number;
  name: string;
  object: 'contact' | 'company' | 'deal';
  kind: 'static' | 'dynamic';
  filter: Record<string, unknown> | null;
  member_count: number;
  refreshed_at: Date | null;
  refreshed_outbox_id: number;
  owner_key_id: number | null;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

/** SQL of lists and memberships; membership is always computed set-wise in PostgreSQL. */
export class ListRepository {
  async get(db: Db, id: number, lock?: 'update' | 'skip'): Promise<ListRow | undefined> {
    const q = db<ListRow>('lists').where({ id }).first();
    if (lock === 'update') return q.forUpdate();
    if (lock === 'skip') return q.forUpdate().skipLocked();
    return q;
  }

  async list(db: Db, object?: string): Promise<ListRow[]> {
    const q = db('lists').whereNull('archived_at').orderBy('id');
    if (object) q.where({ object });
    return q;
  }

  async insert(trx: Knex.Transaction, row: Record<string, unknown>): Promise<ListRow> {
    const [out] = await trx('lists').insert(row).returning('*');
    return out;
  }

  async update(trx: Knex.Transaction, id: number, patch: Record<string, unknown>): Promise<ListRow> {
    const [out] = await trx('lists')
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return out;
  }

  async outboxHead(db: Db): Promise<number> {
    const [row] = await db('sync_outbox').max({ m: 'id' });
    return Number(row?.m ?? 0);
  }

  /**
   * Recomputes a dynamic list in one statement: the target set from the compiled filter, deletes of
   * members that left, inserts of members that joined (existing members keep their added_at).
   */
  async recompute(
    trx: Knex.Transaction,
    list: ListRow,
    table: string,
    where: SqlFragment,
    outboxHead: number,
  ) {
    const res = await trx.raw(
      `with target as (select t.id from "${table}" t where t.archived_at is null and ${where.sql}),
        del as (delete from list_memberships m where m.list_id = ?
                  and not exists (select 1 from target x where x.id = m.record_id) returning 1),
        ins as (insert into list_memberships (list_id, record_id) select ?, id from target
                  on conflict do nothing returning 1)
       select (select count(*) from del)::int as removed, (select count(*) from ins)::int as added,
              (select count(*) from target)::int as total`,
      [...where.bindings, list.id, list.id] as any[],
    );
    const { removed, added, total } = rowsOf<{ removed: number; added: number; total: number }>(res)[0];
    await trx('lists')
      .where({ id: list.id })
      .update({ member_count: total, refreshed_at: trx.fn.now(), refreshed_outbox_id: outboxHead });
    return { added: Number(added), removed: Number(removed), total: Number(total) };
  }

  /** Adds live records among `ids` to a static list; returns the ids that were not live records. */
  async addMembers(trx: Knex.Transaction, listId: number, table: string, ids: number[]) {
    const live: number[] = (await trx(table).whereIn('id', ids).whereNull('archived_at').pluck('id')).map(
      Number,
    );
    const missing = ids.filter((i) => !live.includes(i));
    if (missing.length) return { missing, added: 0 };
    const res = await trx.raw(
      `insert into list_memberships (list_id, record_id) select ?, unnest(?::bigint[])
         on conflict do nothing returning record_id`,
      [listId, `{${live.join(',')}}`],
    );
    return { missing, added: rowsOf(res).length };
  }

  async removeMembers(trx: Knex.Transaction, listId: number, ids: number[]): Promise<number> {
    return trx('list_memberships').where({ list_id: listId }).whereIn('record_id', ids).delete();
  }

  async recount(trx: Knex.Transaction, listId: number): Promise<number> {
    const [row] = await trx('list_memberships').where({ list_id: listId }).count({ n: '*' });
    const n = Number(row.n);
    await trx('lists').where({ id: listId }).update({ member_count: n, refreshed_at: trx.fn.now() });
    return n;
  }

  /** Dynamic lists whose inputs changed since their last refresh (or that are older than maxAgeMs). */
  async staleDynamicLists(
    db: Db,
    maxAgeMs: number,
  ): Promise<{ id: number; object: string; refreshed_outbox_id: number }[]> {
    return db('lists')
      .select('id', 'object', 'refreshed_outbox_id')
      .where({ kind: 'dynamic' })
      .whereNull('archived_at')
      .andWhere((q) => {
        void q
          .whereRaw('refreshed_outbox_id < (select coalesce(max(id), 0) from sync_outbox)')
          .orWhereNull('refreshed_at')
          .orWhere('refreshed_at', '<', new Date(Date.now() - maxAgeMs));
      })
      .orderBy('refreshed_at', 'asc');
  }

  async changedSince(db: Db, outboxId: number, objects: string[]): Promise<boolean> {
    const row = await db('sync_outbox').where('id', '>', outboxId).whereIn('object', objects).first('id');
    return !!row;
  }
}
