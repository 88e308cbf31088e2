import type { Knex } from 'knex';
import type { Db } from '../app/database';

export class TemplateRepository {
  async list(db: Db, kind?: string) {
    const q = db('templates').whereNull('archived_at').orderBy('id');
    if (kind) q.where({ kind });
    return q;
  }

  async get(db: Db, id: number, forUpdate = false) {
    const q = db('templates').where({ id }).whereNull('archived_at').first();
    return forUpdate ? q.forUpdate() : q;
  }

  async defaultFor(db: Db, kind: string) {
    return db('templates').where({ kind, is_default: true }).whereNull('archived_at').first();
  }

  async insert(trx: Knex.Transaction, row: Record<string, unknown>) {
    const [t] = await trx('templates').insert(row).returning('*');
    return t;
  }

  async update(trx: Knex.Transaction, id: number, patch: Record<string, unknown>) {
    const [t] = await trx('templates')
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return t;
  }

  /** Only one default per kind (a partial unique index enforces it too). */
  async clearDefault(trx: Knex.Transaction, kind: string, exceptId?: number) {
    const q = trx('templates').where({ kind, is_default: true });
    if (exceptId) q.whereNot('id', exceptId);
    await q.update({ is_default: false, version: trx.raw('version + 1'), updated_at: trx.fn.now() });
  }
}
