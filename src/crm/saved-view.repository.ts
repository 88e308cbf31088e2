import type { Knex } from 'knex';
import type { Db } from '../app/database';

export interface SavedViewRow {
  id: number;
  version: number;
  owner_key_id: number | null;
  object: string;
  name: string;
  filter: Record<string, unknown>;
  sort: string | null;
  columns: string[] | null;
  shared: boolean;
  is_default: boolean;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

/** SQL of saved views. Visibility: the owner's views plus views shared by anyone. */
export class SavedViewRepository {
  visible(db: Db, ownerKeyId: number | null) {
    return db<SavedViewRow>('saved_views')
      .whereNull('archived_at')
      .andWhere((q) => void q.where('shared', true).orWhere('owner_key_id', ownerKeyId ?? -1));
  }

  async list(db: Db, ownerKeyId: number | null, object?: string): Promise<SavedViewRow[]> {
    const q = this.visible(db, ownerKeyId).orderBy('id');
    if (object) q.where({ object });
    return q;
  }

  async get(db: Db, id: number, forUpdate = false): Promise<SavedViewRow | undefined> {
    const q = db<SavedViewRow>('saved_views').where({ id }).first();
    return forUpdate ? q.forUpdate() : q;
  }

  async defaultFor(db: Db, ownerKeyId: number | null, object: string): Promise<SavedViewRow | undefined> {
    return db<SavedViewRow>('saved_views')
      .where({ owner_key_id: ownerKeyId ?? -1, object, is_default: true })
      .whereNull('archived_at')
      .first();
  }

  /** At most one default per owner and object (a partial unique index backs this up). */
  async clearDefault(trx: Knex.Transaction, ownerKeyId: number | null, object: string, exceptId?: number) {
    const q = trx('saved_views')
      .where({ owner_key_id: ownerKeyId ?? -1, object, is_default: true })
      .whereNull('archived_at');
    if (exceptId) q.whereNot({ id: exceptId });
    const rows: SavedViewRow[] = await q
      .update({ is_default: false, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return rows;
  }

  async insert(trx: Knex.Transaction, row: Record<string, unknown>): Promise<SavedViewRow> {
    const [out] = await trx('saved_views').insert(row).returning('*');
    return out;
  }

  async update(trx: Knex.Transaction, id: number, patch: Record<string, unknown>): Promise<SavedViewRow> {
    const [out] = await trx('saved_views')
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return out;
  }
}
