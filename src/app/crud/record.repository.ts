import type { Knex } from 'knex';
import type { Db } from '../database';

export type Row = Record<string, any> & { id: number; version: number; archived_at: Date | null };

/** All SQL for CRUD resources; tables differ only by name and columns. Index pages: src/app/query. */
export class RecordRepository {
  constructor(private readonly table: string) {}

  async insertMany(trx: Knex.Transaction, rows: Record<string, any>[]): Promise<Row[]> {
    return trx(this.table).insert(rows).returning('*');
  }

  async getMany(db: Db, ids: number[], forUpdate = false): Promise<Row[]> {
    if (!ids.length) return [];
    const q = db(this.table).whereIn('id', ids);
    return forUpdate ? q.forUpdate() : q;
  }

  async get(db: Db, id: number): Promise<Row | undefined> {
    return db(this.table).where({ id }).first();
  }

  async update(trx: Knex.Transaction, id: number, patch: Record<string, any>): Promise<Row> {
    const [row] = await trx(this.table)
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return row;
  }

  async setArchived(trx: Knex.Transaction, id: number, archived: boolean): Promise<Row> {
    return this.update(trx, id, { archived_at: archived ? trx.fn.now() : null });
  }

  /** Values of `column` that already exist among `values` (excluding ids in `exceptIds`). */
  async existingValues(db: Db, column: string, values: unknown[], exceptIds: number[] = []) {
    if (!values.length) return new Map<string, number>();
    const q = db(this.table)
      .select('id', column)
      .whereIn(column, values as any[]);
    if (exceptIds.length) q.whereNotIn('id', exceptIds);
    const rows: Row[] = await q;
    return new Map(rows.map((r) => [String(r[column]), r.id]));
  }
}

/** Ids among `ids` in `table` that exist, with their archived state. */
export async function findIds(db: Db, table: string, ids: number[]) {
  if (!ids.length) return new Map<number, boolean>();
  const rows: { id: number; archived_at: Date | null }[] = await db(table)
    .select('id', 'archived_at')
    .whereIn('id', ids);
  return new Map(rows.map((r) => [Number(r.id), r.archived_at !== null]));
}
