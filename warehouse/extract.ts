import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { to as copyTo } from 'pg-copy-streams';
import { rowsOf } from '../src/app/database';
import { pgTextSelect, type SourceTable } from './sources';
import { sqlString } from './sql';

/** Rows per keyset page of the row path: each page is one short statement (PGlite has one connection). */
export const PAGE_ROWS = 20000;
/**
 * DuckDB's row group size: a table split into id ranges for the full load is split at multiples
 * of it, so each range's INSERT fills whole row groups when ids are dense, instead of leaving a
 * partial one per range that the next checkpoint of the file (the first incremental refresh's)
 * would stop to merge.
 */
export const ROW_GROUP_ROWS = 122880;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** DuckDB read_csv options matching PostgreSQL's COPY csv output (unquoted empty = NULL, "" = ''). */
export function readCsvSql(file: string, src: SourceTable): string {
  const columns = Object.entries(src.columns)
    .map(([c, t]) => `'${c}': '${t}'`)
    .join(', ');
  return `read_csv(${sqlString(file)}, columns = {${columns}}, header = false, auto_detect = false,
    delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false)`;
}

export interface CopyPage {
  /** Estimated size (heap bytes) of the page, for ordering. */
  bytes: number;
  src: SourceTable;
  /** Id range of the page; absent when the page is the whole table. */
  ids?: { from: number; to: number };
}

/** A table is split into id ranges when its heap is over this many lanes' shares of the total. */
const SPLIT_OVER_SHARE = 1.5;

/**
 * Pages of the full load: one whole-table COPY per source, a sequential scan, which costs
 * PostgreSQL less than id ranges read through the primary key; at scale 1 the extract took
 * about 0.7 CPU-s less in PostgreSQL (of 7) and 1.3 CPU-s less in the loader process (of 12)
 * than with 245,760-id pages. Only a table well over a lane's share of the total is split, into
 * id ranges, so no single page outlasts the other lanes' work (line_items, about half the
 * bytes, stays whole with 2 lanes and is halved with 3).
 */

export async function planPages(db: Knex, sources: SourceTable[], lanes: number): Promise<CopyPage[]> {
  const sizes = rowsOf<{ name: string; bytes: string }>(
    await db.raw(
      `select t.name, pg_relation_size(quote_ident(t.name)::regclass) as bytes from unnest(?::text[]) as t(name)`,
      [sources.map((src) => src.table)],
    ),
  );
  const bytesOf = new Map(sizes.map((r) => [r.name, Number(r.bytes)]));
  const share = [...bytesOf.values()].reduce((a, b) => a + b, 0) / Math.max(1, lanes);
  const pages: CopyPage[] = [];
  for (const src of sources) {
    const bytes = bytesOf.get(src.table) ?? 0;
    // Lanes take pages as they free up, so a page somewhat over the share is evened out by the
    // small tables; heap bytes overstate line_items' cost (narrow rows load fastest per byte).
    const parts = lanes > 1 && bytes > SPLIT_OVER_SHARE * share ? Math.ceil(bytes / share) : 1;
    if (parts <= 1) {
      pages.push({ src, bytes });
      continue;
    }
    const bounds = rowsOf<{ lo: number | null; hi: number | null }>(
      await db.raw(`select min(id) as lo, max(id) as hi from ${q(src.table)}`),
    )[0];
    if (bounds.lo === null || bounds.hi === null) continue;
    const lo = Number(bounds.lo);
    const hi = Number(bounds.hi);
    const span = Math.ceil((hi - lo + 1) / parts / ROW_GROUP_ROWS) * ROW_GROUP_ROWS;
    for (let from = lo; from <= hi; from += span) {
      const to = Math.min(hi, from + span - 1);
      pages.push({ src, bytes: (bytes * (to - from + 1)) / (hi - lo + 1), ids: { from, to } });
    }
  }
  return pages;
}

/** Reads one page from `pipe` (a named pipe) into DuckDB; resolves at end of input. */
export type PipeIngest = (page: CopyPage, pipe: string, lane: number) => Promise<void>;

/**
 * Full extraction on PostgreSQL: `COPY (SELECT …) TO STDOUT csv` per page (a table, or an id
 * range of a big one), streamed through a named pipe straight into DuckDB's CSV reader — no temp
 * files, so PostgreSQL formats, Node relays and DuckDB parses the same page at once. Each page is
 * its own statement (one snapshot per page, none held across the load); changes that race with
 * the load are caught by the next incremental run (its watermark predates this extraction).
 * `lanes` pages stream at a time (one pipe and one DuckDB connection each), biggest first and
 * each lane taking the next page as it frees up, so the lanes end close together.
 */
export async function streamPages(
  db: Knex,
  sources: SourceTable[],
  lanes: number,
  ingest: PipeIngest,
): Promise<void> {
  const pages = (await planPages(db, sources, lanes)).sort((a, b) => b.bytes - a.bytes);
  const dir = mkdtempSync(join(tmpdir(), 'll-wh-'));
  let next = 0;
  const state: { failed: Error | null } = { failed: null };
  const lane = async (n: number) => {
    const pipe = join(dir, `lane-${n}.csv`);
    execFileSync('mkfifo', ['-m', '600', pipe]);
    while (next < pages.length && !state.failed) {
      await streamPage(db, pages[next++], pipe, (page) => ingest(page, pipe, n));
    }
  };
  try {
    const runs = Array.from({ length: Math.max(1, lanes) }, (_, n) =>
      lane(n).catch((err: unknown) => {
        state.failed ??= err instanceof Error ? err : new Error(String(err));
      }),
    );
    await Promise.all(runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (state.failed) throw state.failed;
}

async function streamPage(db: Knex, page: CopyPage, pipe: string, read: (page: CopyPage) => Promise<void>) {
  const cols = Object.keys(page.src.columns).map(q).join(', ');
  const where = page.ids ? ` WHERE id BETWEEN ${page.ids.from} AND ${page.ids.to}` : '';
  const sql = `COPY (SELECT ${cols} FROM ${q(page.src.table)}${where}) TO STDOUT (FORMAT csv)`;
  let settled = false;
  const reading = read(page).finally(() => (settled = true));
  let sink: Socket;
  try {
    sink = new Socket({ fd: await openWriteEnd(pipe, () => settled), readable: false });
  } catch (err) {
    await reading; // the reader failed before opening the pipe: its error explains why
    throw err;
  }
  reading.catch(() => sink.destroy()); // the reader is gone: stop writing
  let conn: PgConnection | undefined;
  try {
    conn = (await db.client.acquireConnection()) as PgConnection;
    const source = conn.query(copyTo(sql));
    await Promise.all([pipeline(source, sink), reading]);
  } catch (err) {
    sink.destroy();
    const readerError = await reading.then(
      () => null,
      (e: unknown) => e,
    );
    conn?.end?.(); // mid-COPY: never hand this connection back to the pool usable
    throw readerError ?? err; // DuckDB's error says why; the pipe's "premature close" does not
  } finally {
    if (conn) await db.client.releaseConnection(conn);
  }
}

/**
 * Opens the pipe's write end once DuckDB has opened its read end: a non-blocking open fails
 * (ENXIO) until a reader is there, and waiting for it both keeps libuv's threadpool free (a
 * blocking open would park a thread) and guarantees the reader sees our end-of-input: closing
 * a pipe nobody had opened yet would leave DuckDB blocked in open() for a writer forever.
 */
async function openWriteEnd(pipe: string, readerGone: () => boolean): Promise<number> {
  for (;;) {
    try {
      return openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || readerGone()) throw err;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

interface PgConnection {
  query<T>(stream: T): T;
  end?: () => void;
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
