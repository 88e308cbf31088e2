import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { isPglite, type Db } from './database';

const MAX_NAMES = 256;
const names = new Map<string, string>();

/**
 * Runs a hot query (index pages, batch creates) as a named prepared statement on PostgreSQL, so each pool
 * connection plans its shape once instead of on every request (planning cost as much as running
 * a page). The name is a hash of the SQL text, so one shape always maps to one statement; only
 * the first MAX_NAMES shapes get a name, which bounds what each connection keeps prepared.
 * PGlite (one connection, in process) runs queries as they are.
 */
export function preparedRaw(db: Db, sql: string, bindings: readonly unknown[]): Knex.Raw {
  const raw = db.raw(sql, bindings as Knex.RawBinding[]);
  if (isPglite(db)) return raw;
  // Keyed by the SQL text as written (with ? placeholders): no compile pass just to name it.
  let name = names.get(sql);
  if (!name && names.size < MAX_NAMES) {
    name = `ll_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name ? raw.options({ name }) : raw;
}
