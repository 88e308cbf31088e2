import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';

export interface BenchDatabase {
  url: string;
  /** Drops the database if this run created it. */
  drop(): Promise<void>;
}

const server = () => process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string) {
  const db = knexFactory({ client: 'pg', connection: server(), pool: { min: 0, max: 1 } });
  try {
    await db.raw(sql);
  } finally {
    await db.destroy();
  }
}

/**
 * The database of one bench run: DATABASE_URL as it is when `reuse` allows it (kept afterwards, so
 * a seeded database can serve several runs), otherwise a fresh `<prefix>_<random>` database on
 * BENCH_PG_URL's server (default 127.0.0.1:5432) that `drop()` removes.
 */
export async function benchDatabase(prefix: string, opts: { reuse?: boolean } = {}): Promise<BenchDatabase> {
  if (opts.reuse !== false && process.env.DATABASE_URL)
    return { url: process.env.DATABASE_URL, drop: async () => undefined };
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const u = new URL(server());
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
