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
/** id span per COPY page on PostgreSQL: short statements, and files DuckDB can ingest while the next page streams. */
export const COPY_ID_SPAN = 400000;

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
  file: string;
  fromId: number;
  toId: number;
}

/**
 * Full extraction on PostgreSQL: COPY (SELECT …) TO STDOUT csv per id range into files. Each
 * range is its own statement, so no transaction is held for the whole table; changes that race
 * with the load are caught by the next incremental run (its watermark predates this extraction).
 */
export async function copyPages(
  db: Knex,
  src: SourceTable,
  dir: string,
  concurrency: number,
  onPage: (page: CopyPage) => Promise<void>,
  /** Overlap COPY of the next page with DuckDB ingesting this one (fastest); off = one at a time. */
  pipelined = true,
): Promise<void> {
  const bounds = rowsOf<{ lo: number | null; hi: number | null }>(
    await db.raw(`select min(id) as lo, max(id) as hi from ${q(src.table)}`),
  )[0];
  if (bounds.lo === null || bounds.hi === null) return;
  const lo = Number(bounds.lo);
  const hi = Number(bounds.hi);
  const ranges: Array<[number, number]> = [];
  for (let from = lo; from <= hi; from += COPY_ID_SPAN)
    ranges.push([from, Math.min(hi, from + COPY_ID_SPAN - 1)]);
  const cols = Object.keys(src.columns).map(q).join(', ');
  let next = 0;
  // Ingestion into DuckDB is serialised (one writer connection); COPY streams run in parallel.
  let ingest: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (next < ranges.length) {
      const [fromId, toId] = ranges[next++];
      const file = join(dir, `${src.table}_${fromId}.csv`);
      const conn = await db.client.acquireConnection();
      try {
        const sql = `COPY (SELECT ${cols} FROM ${q(src.table)} WHERE id BETWEEN ${fromId} AND ${toId}) TO STDOUT (FORMAT csv)`;
        await pipeline(conn.query(copyTo(sql)), createWriteStream(file));
      } finally {
        await db.client.releaseConnection(conn);
      }
      ingest = ingest.then(() => onPage({ file, fromId, toId }));
      if (!pipelined) await ingest;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  await ingest;
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
