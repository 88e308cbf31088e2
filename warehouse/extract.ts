import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { to as copyTo } from 'pg-copy-streams';
import { rowsOf } from '../src/app/database';
import { pgTextSelect, type SourceTable } from './sources';

/** Rows per keyset page of the row path: each page is one short statement (PGlite has one connection). */
export const PAGE_ROWS = 20000;
/**
 * id span per COPY page on PostgreSQL: short statements, big tables split across lanes. A
 * multiple of DuckDB's row group size (122,880 rows): each page's INSERT fills whole row groups
 * when ids are dense, instead of leaving a partial one per page that the next checkpoint of
 * the file (the first incremental refresh's) would stop to merge.
 */
export const COPY_ID_SPAN = 2 * 122880;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** DuckDB read_csv options matching PostgreSQL's COPY csv output (unquoted empty = NULL, "" = ''). */
export function readCsvSql(files: string[], src: SourceTable): string {
  const columns = Object.entries(src.columns)
    .map(([c, t]) => `'${c}': '${t}'`)
    .join(', ');
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  return `read_csv([${list}], columns = {${columns}}, header = false, auto_detect = false, delim = ',',
    quote = '"', escape = '"', allow_quoted_nulls = false, parallel = true)`;
}

export interface CopyPage {
  /** Id span of the page's table (its size, for ordering). */
  rows?: number;
  src: SourceTable;
  file: string;
  fromId: number;
  toId: number;
}

/** Pages of every source: id ranges of COPY_ID_SPAN between each table's min and max id. */
async function planPages(db: Knex, sources: SourceTable[], dir: string): Promise<CopyPage[]> {
  const pages: CopyPage[] = [];
  for (const src of sources) {
    const bounds = rowsOf<{ lo: number | null; hi: number | null }>(
      await db.raw(`select min(id) as lo, max(id) as hi from ${q(src.table)}`),
    )[0];
    if (bounds.lo === null || bounds.hi === null) continue;
    const lo = Number(bounds.lo);
    const hi = Number(bounds.hi);
    for (let from = lo; from <= hi; from += COPY_ID_SPAN) {
      const toId = Math.min(hi, from + COPY_ID_SPAN - 1);
      pages.push({ src, fromId: from, toId, rows: hi - lo + 1, file: join(dir, `${src.table}_${from}.csv`) });
    }
  }
  return pages;
}

/**
 * Full extraction on PostgreSQL: COPY (SELECT …) TO STDOUT csv per id range into files. Each
 * range is its own statement, so no transaction is held for the whole table; changes that race
 * with the load are caught by the next incremental run (its watermark predates this extraction).
 *
 * Pipelined (the bench, an idle machine): the pages of ALL sources form one queue, so COPY
 * streams on PostgreSQL run ahead across table boundaries while DuckDB ingests the files
 * already written, in the order they complete — PostgreSQL's backends do the COPY work and
 * DuckDB the parse, on different cores, and no table waits for the previous one to finish
 * ingesting. At most `concurrency + 2` files wait on disk. Not pipelined (the service): one
 * page at a time, COPY then ingest, so a core stays free for the API.
 */
export async function copyPages(
  db: Knex,
  sources: SourceTable[],
  dir: string,
  concurrency: number,
  onPage: (page: CopyPage) => Promise<void>,
  pipelined = true,
): Promise<void> {
  // Biggest tables first: the queue's tail (the one ingest nothing overlaps) is then a small page.
  const pages = (await planPages(db, sources, dir)).sort((a, b) => (b.rows ?? 0) - (a.rows ?? 0));
  const copy = async (page: CopyPage) => {
    const cols = Object.keys(page.src.columns).map(q).join(', ');
    const sql = `COPY (SELECT ${cols} FROM ${q(page.src.table)} WHERE id BETWEEN ${page.fromId} AND ${page.toId}) TO STDOUT (FORMAT csv)`;
    const conn = await db.client.acquireConnection();
    try {
      await pipeline(conn.query(copyTo(sql)), createWriteStream(page.file));
    } finally {
      await db.client.releaseConnection(conn);
    }
  };
  if (!pipelined) {
    for (const page of pages) {
      await copy(page);
      await onPage(page);
    }
    return;
  }
  const maxWaiting = Math.max(1, concurrency) + 2;
  const ready: CopyPage[] = [];
  let next = 0;
  let ingesting = 0;
  let running = Math.max(1, concurrency);
  const state: { failed: Error | null } = { failed: null };
  const fail = (err: unknown) => {
    state.failed ??= err instanceof Error ? err : new Error(String(err));
  };
  // One-shot wake-ups: the ingest loop (a page is ready, a worker ended) and the workers (room on disk).
  const waiting = { ingest: [] as Array<() => void>, workers: [] as Array<() => void> };
  const wake = (who: 'ingest' | 'workers') => {
    for (const r of waiting[who].splice(0)) r();
  };
  const sleep = (who: 'ingest' | 'workers') => new Promise<void>((r) => waiting[who].push(r));
  const worker = async () => {
    while (next < pages.length && !state.failed) {
      while (ready.length + ingesting >= maxWaiting && !state.failed) await sleep('workers');
      if (state.failed || next >= pages.length) return;
      const page = pages[next++];
      try {
        await copy(page);
      } catch (err) {
        fail(err);
        return;
      }
      ready.push(page);
      wake('ingest');
    }
  };
  const workers = Array.from({ length: running }, () =>
    worker().finally(() => {
      running--;
      wake('ingest');
    }),
  );
  try {
    while (!state.failed) {
      const page = ready.shift();
      if (page) {
        ingesting++;
        try {
          await onPage(page);
        } finally {
          ingesting--;
          wake('workers');
        }
      } else if (running === 0) {
        break;
      } else {
        await sleep('ingest');
      }
    }
  } catch (err) {
    fail(err);
  } finally {
    wake('workers');
    await Promise.allSettled(workers);
  }
  if (state.failed) throw state.failed;
}

export interface RowPageOptions {
  /** Only rows with updated_at >= since (incremental); all rows when absent. */
  since?: string;
}

/**
 * Keyset-paged extraction through the query driver: every value rendered as PostgreSQL text so
 * DuckDB parses exactly what the COPY path would (identical tables either way).
 */
export async function* rowPages(db: Knex, src: SourceTable, opts: RowPageOptions = {}) {
  const select = pgTextSelect(src);
  let last: { updated_at: string; id: string } | null = null;
  for (;;) {
    let sql: string;
    const binds: unknown[] = [];
    if (opts.since) {
      sql = `select ${select} from ${q(src.table)} where updated_at >= ?::timestamptz`;
      binds.push(opts.since);
      if (last) {
        sql += ` and (updated_at, id) > (?::timestamptz, ?::bigint)`;
        binds.push(last.updated_at, last.id);
      }
      sql += ` order by updated_at, id limit ${PAGE_ROWS}`;
    } else {
      sql = `select ${select} from ${q(src.table)}${last ? ' where id > ?::bigint' : ''} order by id limit ${PAGE_ROWS}`;
      if (last) binds.push(last.id);
    }
    const rows = rowsOf<Record<string, string | null>>(await db.raw(sql, binds as any));
    if (!rows.length) return;
    yield rows;
    const tail = rows[rows.length - 1];
    last = { updated_at: tail.updated_at!, id: tail.id! };
    if (rows.length < PAGE_ROWS) return;
  }
}

/** Appends text rows into a VARCHAR staging table, then casts them into `target` in one INSERT. */
export async function appendTextRows(
  duck: DuckDBConnection,
  src: SourceTable,
  rows: Array<Record<string, string | null>>,
  target: string,
): Promise<void> {
  const names = Object.keys(src.columns);
  const tmp = `_in_${src.table}`;
  await duck.run(`CREATE OR REPLACE TEMP TABLE ${tmp} (${names.map((n) => `${q(n)} VARCHAR`).join(', ')})`);
  const appender = await duck.createAppender(tmp);
  for (const row of rows) {
    for (const n of names) {
      const v = row[n];
      if (v === null || v === undefined) appender.appendNull();
      else appender.appendVarchar(String(v));
    }
    appender.endRow();
  }
  appender.closeSync();
  const casts = Object.entries(src.columns)
    .map(([c, t]) => `CAST(${q(c)} AS ${t}) AS ${q(c)}`)
    .join(', ');
  await duck.run(`INSERT INTO ${target} SELECT ${casts} FROM ${tmp}`);
  await duck.run(`DROP TABLE ${tmp}`);
}

/** Ids deleted since the watermark, per source table (from the warehouse_deletions trigger log). */
export async function deletedIds(db: Knex, since: string): Promise<Map<string, string[]>> {
  const rows = rowsOf<{ table_name: string; row_id: string }>(
    await db.raw(
      `select table_name, row_id::text as row_id from warehouse_deletions where deleted_at >= ?::timestamptz`,
      [since],
    ),
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.table_name, [...(out.get(r.table_name) ?? []), r.row_id]);
  return out;
}
