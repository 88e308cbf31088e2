import knexFactory, { Knex } from 'knex';

/** Server used by tests; the database in the URL is ignored (each run makes its own). */
export const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function urlFor(database: string): string {
  const u = new URL(PG_BASE);
  u.pathname = `/${database}`;
  return u.toString();
}

export function adminKnex(): Knex {
  return knexFactory({ client: 'pg', connection: PG_BASE, pool: { min: 0, max: 1 } });
}

export const templateName = (run: string) => `ll_test_${run}`;
