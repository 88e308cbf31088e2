import type { Db } from '../app/database';
import type { RunRow } from './sync.types';

/** All SQL on `sync_runs`. */
export class RunRepository {
  async insert(db: Db, row: Partial<RunRow>): Promise<RunRow> {
    const values: Record<string, unknown> = { ...row };
    if (row.items !== undefined) values.items = JSON.stringify(row.items);
    const [created] = await db('sync_runs').insert(values).returning('*');
    return created;
  }

  async get(db: Db, id: number): Promise<RunRow | undefined> {
    return db('sync_runs').where({ id }).first();
  }

  async list(db: Db, connectionId: number | undefined, limit: number): Promise<RunRow[]> {
    const q = db('sync_runs').orderBy('id', 'desc').limit(limit);
    if (connectionId) q.where({ connection_id: connectionId });
    return q;
  }

  async update(db: Db, id: number, patch: Partial<RunRow>) {
    await db('sync_runs').where({ id }).update(patch);
  }
}
