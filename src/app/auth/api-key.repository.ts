import type { Db } from '../database';
import type { Role } from './access';

export interface ApiKeyRow {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  key_hash: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  last_used_at: Date | null;
}

const PUBLIC_COLUMNS = [
  'id',
  'name',
  'role',
  'prefix',
  'version',
  'created_at',
  'updated_at',
  'archived_at',
  'last_used_at',
];

export class ApiKeyRepository {
  async count(db: Db): Promise<number> {
    const row = await db('api_keys').count<{ n: number | string }[]>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async findActiveByHash(db: Db, hash: string): Promise<ApiKeyRow | undefined> {
    return db('api_keys').where({ key_hash: hash }).whereNull('archived_at').first();
  }

  async insert(db: Db, row: { name: string; role: Role; prefix: string; key_hash: string }) {
    const [created] = await db('api_keys').insert(row).returning(PUBLIC_COLUMNS);
    return created as Omit<ApiKeyRow, 'key_hash'>;
  }

  async list(db: Db) {
    return db('api_keys').select(PUBLIC_COLUMNS).orderBy('id');
  }

  async get(db: Db, id: number) {
    return db('api_keys').select(PUBLIC_COLUMNS).where({ id }).first();
  }

  async revoke(db: Db, id: number) {
    const [row] = await db('api_keys')
      .where({ id })
      .whereNull('archived_at')
      .update({ archived_at: db.fn.now(), updated_at: db.fn.now(), version: db.raw('version + 1') })
      .returning(PUBLIC_COLUMNS);
    return row;
  }

  async touch(db: Db, id: number) {
    await db('api_keys').where({ id }).update({ last_used_at: db.fn.now() });
  }
}
