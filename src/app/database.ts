import { mkdirSync } from 'node:fs';
import knexFactory, { Knex } from 'knex';
import pg from 'pg';

export type Db = Knex | Knex.Transaction;

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

/**
 * The one place where driver differences are normalised: int8 becomes a JS number when it is a
 * safe integer (minor units and ids are), numeric stays an exact string, date stays 'YYYY-MM-DD'.
 * pg returns int8 as string and PGlite as number/BigInt; both go through here.
 */
export function parseInt8(value: string | number | bigint | null): number | string | null {
  if (value === null) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}

const identity = (v: string) => v;

export function normaliseValue(value: unknown): unknown {
  if (typeof value === 'bigint') return parseInt8(value);
  return value;
}

let pgParsersInstalled = false;
function installPgParsers() {
  if (pgParsersInstalled) return;
  pg.types.setTypeParser(INT8, (v: string) => parseInt8(v));
  pg.types.setTypeParser(NUMERIC, identity);
  pg.types.setTypeParser(DATE, identity);
  pgParsersInstalled = true;
}

export interface DbOptions {
  databaseUrl?: string;
  /** Directory for embedded PGlite, or 'memory://' for a throwaway database. */
  pgliteDir?: string;
  poolMax?: number;
}

export function isPglite(db: Db): boolean {
  return (db.client.config as Knex.Config).client !== 'pg';
}

export async function createDb(opts: DbOptions): Promise<Knex> {
  if (opts.databaseUrl) {
    installPgParsers();
    return knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      pool: { min: 0, max: opts.poolMax ?? 10 },
    });
  }
  const dir = opts.pgliteDir ?? 'memory://';
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  // Lazy-required so a PostgreSQL deployment never loads the WASM build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ClientPGLite = require('knex-pglite');
  const pglite = new PGlite(dir, {
    parsers: {
      [INT8]: (v: string) => parseInt8(v),
      [NUMERIC]: identity,
      [DATE]: identity,
    },
  });
  await pglite.waitReady;
  return knexFactory({ client: ClientPGLite, connection: { pglite } as any });
}

/** Rows from raw() differ by driver: pg returns {rows}, PGlite too; keep callers oblivious. */
export function rowsOf<T = any>(result: any): T[] {
  return (result?.rows ?? result) as T[];
}
