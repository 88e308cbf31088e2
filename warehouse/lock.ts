import type { Knex } from 'knex';
import { isPglite } from '../src/app/database';

/** Advisory lock key of the warehouse loader ("LLWH"). */
export const LOADER_LOCK_KEY = 0x4c4c5748;

export class LoaderBusyError extends Error {
  constructor() {
    super('another warehouse load is running');
  }
}

let localHeld = false;

/**
 * One loader at a time. On PostgreSQL a session advisory lock on a dedicated connection elects
 * the loader across processes (released on disconnect if the process dies). PGlite lives in one
 * process with one connection, so an in-process flag is the whole story there — holding its
 * only connection for the load would stall every request.
 */
export async function withLoaderLock<T>(db: Knex, fn: () => Promise<T>): Promise<T> {
  if (isPglite(db)) {
    if (localHeld) throw new LoaderBusyError();
    localHeld = true;
    try {
      return await fn();
    } finally {
      localHeld = false;
    }
  }
  const conn = await db.client.acquireConnection();
  try {
    const res = await conn.query('select pg_try_advisory_lock($1) as ok', [LOADER_LOCK_KEY]);
    if (!res.rows[0].ok) throw new LoaderBusyError();
    try {
      return await fn();
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [LOADER_LOCK_KEY]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}
