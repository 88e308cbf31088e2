import { constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { isPglite, rowsOf } from '../src/app/database';
import { currencyExponent, isCurrency } from '../src/billing/currency';
import { appendTextRows, deletedIds, readCsvSql, rowPages, streamPages } from './extract';
import { withInPlaceWriter } from './access';
import { withLoaderLock } from './lock';
import { OLD_COLUMNS, prepareAffected, run, scopedRunner } from './incremental';
import { modelsHash, runModels, type StatementRunner } from './models';
import { DEFAULT_SETTINGS, settingsTableSql, type WarehouseSettings } from './settings';
import { createRawSql, rawName, SOURCES, type SourceTable } from './sources';
import { sqlString } from './sql';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export type LoadKind = 'full' | 'incremental';

export interface LoadProgress {
  kind: LoadKind;
  phase: string;
  /** Rows extracted per source table in this run. */
  rows: Record<string, number>;
  deleted: Record<string, number>;
  startedAt: string;
}

export interface LoadResult extends LoadProgress {
  watermark: string;
  asOf: string;
  durationMs: number;
  modelMs: Record<string, number>;
  /** False when an incremental run found nothing to do and kept the published file. */
  published: boolean;
  /** Incremental runs that rebuilt slices: how many keys of each kind were affected. */
  affected?: Record<string, number>;
}

export interface LoaderOptions {
  db: Knex;
  path: string;
  settings?: WarehouseSettings;
  /** Business date of the snapshot (YYYY-MM-DD), normally today in the org time zone. */
  asOf: string;
  timezone?: string;
  /** Parallel COPY streams on PostgreSQL. */
  copyConcurrency?: number;
  /** DuckDB worker threads (default: all cores). The service uses fewer so the API stays responsive. */
  threads?: number;
  /** Stream `copyConcurrency` pages at once (default true); false streams one page at a time (the service). */
  pipelined?: boolean;
  onProgress?: (p: LoadProgress) => void;
  /** Awaited inside an incremental refresh's transaction, just before COMMIT (tests observe readers there). */
  beforeCommit?: () => Promise<void>;
}

export function isoDateIn(timezone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

async function pgNow(db: Knex): Promise<string> {
  return rowsOf<{ now: string }>(await db.raw(`select now()::text as now`))[0].now;
}

/**
 * The storage format of a new warehouse file. DuckDB otherwise writes the v0.10.2-compatible
 * format, without the newer compression methods (dict_fsst for strings, roaring for booleans);
 * only this DuckDB library reads the file (exports go out as Parquet/CSV/Arrow). At scale 1 the
 * models took 7.4 instead of 8.2 CPU-s (1 thread) and the built file was 322 instead of 740 MB.
 * An existing file keeps the format it was created with.
 */
const STORAGE_VERSION = 'latest';

/** Opens a DuckDB file for writing with the session settings every model run relies on. */
export async function openWriter(
  path: string,
  timezone: string,
  threads?: number,
): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(path, {
    storage_compatibility_version: STORAGE_VERSION,
    ...(threads ? { threads: String(threads) } : {}),
  });
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = ${sqlString(timezone)}`);
  return { instance, conn };
}

/**
 * The loader: PostgreSQL → DuckDB raw_* tables → SQL models. Readers never see a half-built
 * warehouse:
 * - full: a fresh file, every source copied (COPY csv on PostgreSQL, keyset pages on PGlite),
 *   published by rename (readers holding the old file keep reading it until they reopen);
 * - incremental: changed rows (updated_at ≥ watermark − overlap) and logged deletions applied
 *   and the affected model slices rebuilt in ONE DuckDB transaction on the published file
 *   itself (see incremental() and warehouse/access.ts), or on a copy that is swapped in when
 *   another process has the file open.
 */
export class WarehouseLoader {
  private readonly settings: WarehouseSettings;
  private readonly tz: string;
  private progress: LoadProgress;
  private affected: Record<string, number> | undefined;

  constructor(private readonly opts: LoaderOptions) {
    this.settings = opts.settings ?? DEFAULT_SETTINGS;
    this.tz = opts.timezone ?? 'UTC';
    this.progress = {
      kind: 'full',
      phase: 'idle',
      rows: {},
      deleted: {},
      startedAt: new Date().toISOString(),
    };
  }

  async run(kind: LoadKind): Promise<LoadResult> {
    return withLoaderLock(this.opts.db, () =>
      kind === 'incremental' && existsSync(this.opts.path) ? this.incremental() : this.full(),
    );
  }

  private phase(phase: string) {
    this.progress = { ...this.progress, phase };
    this.opts.onProgress?.({
      ...this.progress,
      rows: { ...this.progress.rows },
      deleted: { ...this.progress.deleted },
    });
  }

  private count(table: string, n: number, field: 'rows' | 'deleted' = 'rows') {
    this.progress[field][table] = (this.progress[field][table] ?? 0) + n;
  }

  private async prepareMeta(conn: DuckDBConnection) {
    await conn.run(settingsTableSql(this.settings, this.opts.asOf));
    const codes = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf(
      'currency',
    );
    const values = codes.filter(isCurrency).map((c) => `('${c}', ${currencyExponent(c)})`);
    await conn.run(
      `CREATE OR REPLACE TABLE wh_currency AS SELECT * FROM (VALUES ${values.join(', ')}) AS t(code, exponent)`,
    );
  }

  private async writeMeta(conn: DuckDBConnection, kind: LoadKind, watermark: string) {
    await conn.run(`CREATE OR REPLACE TABLE wh_meta AS SELECT
      CAST('${watermark}' AS TIMESTAMPTZ) AS watermark, DATE '${this.opts.asOf}' AS as_of,
      '${kind}' AS last_kind, now() AS loaded_at, '${modelsHash()}' AS models_hash`);
  }

  /** Source tables that exist (optional ones belong to migrations that may not be there). */
  private async presentTables(): Promise<Set<string>> {
    const names = SOURCES.map((src) => src.table);
    const rows = rowsOf<{ table_name: string }>(
      await this.opts.db.raw(
        `select table_name from information_schema.tables where table_schema = current_schema() and table_name = any(?)`,
        [names],
      ),
    );
    return new Set(rows.map((r) => r.table_name));
  }

  private async countOf(conn: DuckDBConnection, table: string): Promise<number> {
    return Number((await conn.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRowsJS()[0][0]);
  }

  private async settingsRow(conn: DuckDBConnection): Promise<string> {
    const rows = (await conn.runAndReadAll(`SELECT * FROM wh_settings`)).getRowsJson();
    return JSON.stringify(rows);
  }

  private tempPath(): string {
    mkdirSync(dirname(this.opts.path), { recursive: true });
    const p = `${this.opts.path}.build-${process.pid}-${Date.now()}`;
    rmSync(p, { force: true });
    rmSync(`${p}.wal`, { force: true });
    return p;
  }

  private publish(tmp: string) {
    rmSync(`${this.opts.path}.wal`, { force: true });
    renameSync(tmp, this.opts.path);
  }

  /** Every present source into its raw table (COPY pages on PostgreSQL, keyset pages on PGlite). */
  private async extractFull(instance: DuckDBInstance, conn: DuckDBConnection, sources: SourceTable[]) {
    const { db } = this.opts;
    if (!isPglite(db)) {
      // The service streams one page at a time so a core stays free for the API.
      const lanes = this.opts.pipelined === false ? 1 : (this.opts.copyConcurrency ?? 2);
      const laneConns = [conn];
      while (laneConns.length < lanes) laneConns.push(await instance.connect());
      // DuckDB threads = 1 (no background workers) during the extract: each lane's INSERT runs
      // on its own calling thread and a pipe scan is single-threaded, so workers only added
      // scheduling and contention; at scale 1 with 2 lanes the loader process took 10.0-11.2
      // instead of 13.2-13.7 CPU-s for the extract. The models get the configured threads back.
      const threads = Number(
        (await conn.runAndReadAll(`SELECT current_setting('threads')`)).getRowsJS()[0][0],
      );
      await conn.run('SET threads = 1');
      try {
        await streamPages(db, sources, lanes, async (page, pipe, lane) => {
          const res = await laneConns[lane].run(
            `INSERT INTO ${rawName(page.src.table)} SELECT * FROM ${readCsvSql(pipe, page.src)}`,
          );
          this.count(page.src.table, Number(res.rowsChanged));
          this.phase(`extract ${page.src.table}`);
        });
      } finally {
        for (const c of laneConns.slice(1)) c.closeSync();
      }
      await conn.run(`SET threads = ${threads}`);
      return;
    }
    for (const src of sources) {
      this.phase(`extract ${src.table}`);
      for await (const rows of rowPages(db, src)) {
        await appendTextRows(conn, src, rows, rawName(src.table));
        this.count(src.table, rows.length);
        this.phase(`extract ${src.table}`);
      }
    }
  }

  private async full(): Promise<LoadResult> {
    const t0 = performance.now();
    this.progress = {
      kind: 'full',
      phase: 'start',
      rows: {},
      deleted: {},
      startedAt: new Date().toISOString(),
    };
    const watermark = await pgNow(this.opts.db);
    const tmp = this.tempPath();
    const { instance, conn } = await openWriter(tmp, this.tz, this.opts.threads);
    let modelMs: Record<string, number> = {};
    try {
      await this.prepareMeta(conn);
      const present = await this.presentTables();
      for (const src of SOURCES) {
        await conn.run(createRawSql(src));
        if (present.has(src.table)) this.progress.rows[src.table] = 0;
      }
      this.phase('extract');
      // Insertion order is kept (the default): each page's INSERT then packs whole row groups,
      // where unordered parallel inserts left partial ones that every checkpoint after the load
      // (the first incremental refresh's) stopped to merge. Pipe scans are single-threaded, so
      // order costs no parallelism here.
      await this.extractFull(
        instance,
        conn,
        SOURCES.filter((src) => present.has(src.table)),
      );
      modelMs = await runModels(conn, (name) => this.phase(`model ${name}`));
      await this.writeMeta(conn, 'full', watermark);
      this.phase('checkpoint');
      await conn.run('CHECKPOINT');
    } catch (err) {
      discardDraft(conn, instance, tmp);
      throw err;
    }
    conn.closeSync();
    instance.closeSync();
    this.phase('publish');
    this.publish(tmp);
    this.phase('done');
    return this.result(watermark, t0, modelMs, true);
  }

  /**
   * Incremental refresh. Normally in place: the published file is opened read-write under the
   * loader lock and every change (raw rows, deletions, model slices, metadata) is applied in ONE
   * DuckDB transaction, so the file is never copied; readers in this process borrow the
   * instance and keep reading the previous state until COMMIT (warehouse/access.ts). When
   * another process has the file open (DuckDB's lock refuses the read-write open), the same
   * transaction runs on a copy that is then swapped in, as a full load would publish.
   */
  private async incremental(): Promise<LoadResult> {
    const t0 = performance.now();
    this.progress = {
      kind: 'incremental',
      phase: 'start',
      rows: {},
      deleted: {},
      startedAt: new Date().toISOString(),
    };
    const path = this.opts.path;
    // Set by the write step, read by the finish step (which runs before withInPlaceWriter returns).
    let outcome: Applied | undefined;
    try {
      await withInPlaceWriter(
        path,
        async () => {
          try {
            return await DuckDBInstance.create(
              path,
              this.opts.threads ? { threads: String(this.opts.threads) } : {},
            );
          } catch (err) {
            throw new FileBusyError(err as Error);
          }
        },
        async (instance) => {
          const conn = await instance.connect();
          try {
            await conn.run(`SET TimeZone = ${sqlString(this.tz)}`);
            // COMMIT makes the refresh durable in the WAL, and DuckDB replays the WAL when the
            // file is opened (read-only readers too): no CHECKPOINT here, nor when the instance
            // closes. Folding a refresh into the file cost as much as the rest of it (every
            // table with a deleted row rewrites its row-group metadata); DuckDB folds the WAL
            // at the COMMIT that takes it past wal_autocheckpoint (16 MiB by default), i.e.
            // once per many refreshes, and a full load publishes a new file without WAL.
            await conn.run('PRAGMA disable_checkpoint_on_shutdown');
            outcome = await this.applyChanges(conn);
            return outcome;
          } finally {
            conn.closeSync(); // an open transaction (error) is rolled back: the file stays as it was
          }
        },
        async (instance) => {
          instance.closeSync();
          // The file itself is unchanged until a checkpoint: a new mtime tells the readers'
          // and the dashboards' file keys (ino:mtime:size) that its content moved on.
          if (outcome?.changed) {
            const now = new Date();
            utimesSync(path, now, now);
          }
        },
      );
    } catch (err) {
      if (!(err instanceof FileBusyError)) throw err;
      return this.incrementalOnCopy(t0);
    }
    this.phase('done');
    return this.result(outcome!.watermark, t0, outcome!.modelMs, outcome!.changed);
  }

  /** Fallback when another process has the published file open: apply to a copy, then swap. */
  private async incrementalOnCopy(t0: number): Promise<LoadResult> {
    const tmp = this.tempPath();
    this.phase('copy published file');
    copyFileSync(this.opts.path, tmp, constants.COPYFILE_FICLONE);
    // With the WAL of the in-place refreshes not folded into the file yet.
    const wal = `${this.opts.path}.wal`;
    if (existsSync(wal)) copyFileSync(wal, `${tmp}.wal`, constants.COPYFILE_FICLONE);
    const { instance, conn } = await openWriter(tmp, this.tz, this.opts.threads);
    let outcome: Applied;
    try {
      outcome = await this.applyChanges(conn);
      if (outcome.changed) {
        this.phase('checkpoint');
        await conn.run('CHECKPOINT');
      }
    } catch (err) {
      discardDraft(conn, instance, tmp);
      throw err;
    }
    conn.closeSync();
    instance.closeSync();
    if (outcome.changed) {
      this.phase('publish');
      this.publish(tmp);
    } else {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    }
    this.phase('done');
    return this.result(outcome.watermark, t0, outcome.modelMs, outcome.changed);
  }

  /**
   * Changed rows (updated_at ≥ watermark − overlap) and logged deletions applied and the
   * affected model slices rebuilt in ONE transaction; rolled back when nothing changed.
   */
  private async applyChanges(conn: DuckDBConnection): Promise<Applied> {
    let modelMs: Record<string, number> = {};
    let changed = false;
    const meta = (
      await conn.runAndReadAll(`SELECT CAST(epoch_ms(watermark) AS BIGINT) AS w FROM wh_meta`)
    ).getRowObjectsJS()[0];
    const since = new Date(Number(meta.w) - this.settings.watermark_overlap_seconds * 1000).toISOString();
    const builtBy = (await conn.runAndReadAll(`SELECT * FROM wh_meta`)).getRowObjectsJS()[0].models_hash;
    // The PostgreSQL round trips overlap each other and DuckDB's first statements. The
    // watermark is still taken before any changed row is read (the prefetch starts after it).
    const fromPg = Promise.all([pgNow(this.opts.db), deletedIds(this.opts.db, since), this.presentTables()]);
    fromPg.catch(() => undefined); // surfaced by the await below
    await conn.run('BEGIN TRANSACTION');
    const settingsBefore = await this.settingsRow(conn);
    await this.prepareMeta(conn);
    const [watermark, deletions, present] = await fromPg;
    const firstPages = prefetchFirstPages(
      this.opts.db,
      SOURCES.filter((src) => present.has(src.table)),
      since,
    );
    // Previous id, updated_at and OLD_COLUMNS of every changed or deleted row (_old_), the new
    // version of every changed row (_cur_) and the ids of both (_ids_): incremental.ts reads
    // them to tell which changes can reach which facts without scanning the big tables. Created
    // empty for every source in one batch (most sources have no change; a statement each cost
    // more than the rest of their extraction).
    const prevCols = (src: SourceTable) =>
      ['id', 'updated_at', ...(OLD_COLUMNS[src.table] ?? [])].map(q).join(', ');
    await run(
      conn,
      SOURCES.flatMap((src) => {
        const target = rawName(src.table);
        return [
          createRawSql(src),
          `CREATE OR REPLACE TEMP TABLE _old_${src.table} AS SELECT ${prevCols(src)} FROM ${target} LIMIT 0`,
          `CREATE OR REPLACE TEMP TABLE _cur_${src.table} AS SELECT * FROM ${target} LIMIT 0`,
          `CREATE OR REPLACE TEMP TABLE _ids_${src.table} (id BIGINT)`,
        ];
      }).join(';\n'),
    );
    for (const src of SOURCES) {
      const target = rawName(src.table);
      const chg = `_chg_${src.table}`;
      const ids = `_ids_${src.table}`;
      const old = `_old_${src.table}`;
      const cur = `_cur_${src.table}`;
      if (!present.has(src.table)) continue;
      this.progress.rows[src.table] = 0;
      this.phase(`extract ${src.table}`);
      const pages = firstPages.get(src.table)!;
      let read = 0;
      for (let page = await pages.first; !page.done; page = await pages.rest.next()) {
        if (!read) await run(conn, `CREATE OR REPLACE TEMP TABLE ${chg} AS SELECT * FROM ${target} LIMIT 0`);
        await appendTextRows(conn, src, page.value, chg);
        this.count(src.table, page.value.length);
        read += page.value.length;
      }
      // Most sources have no changed rows: no comparison against the raw table.
      if (read) {
        // The overlap window re-reads rows already loaded: only real differences count as
        // changes. A row whose updated_at differs from the loaded one differs (updated_at is one
        // of its columns), which a narrow scan of the raw table tells: reading whole rows of a
        // big raw table costs far more than the rest of the refresh. Only rows re-read with the
        // same updated_at (normally none) are compared column by column.
        await run(
          conn,
          `CREATE OR REPLACE TEMP TABLE _prev AS SELECT ${prevCols(src)} FROM ${target} WHERE id IN (SELECT id FROM ${chg})`,
        );
        await run(
          conn,
          `CREATE OR REPLACE TEMP TABLE _same AS SELECT c.id FROM ${chg} c JOIN _prev p
           ON p.id = c.id AND p.updated_at IS NOT DISTINCT FROM c.updated_at`,
        );
        await run(
          conn,
          `CREATE OR REPLACE TEMP TABLE ${ids} AS SELECT id FROM ${chg} WHERE id NOT IN (SELECT id FROM _same)`,
        );
        if (await this.countOf(conn, '_same')) {
          await run(
            conn,
            `INSERT INTO ${ids} SELECT id FROM (SELECT * FROM ${chg} WHERE id IN (SELECT id FROM _same)
             EXCEPT SELECT * FROM ${target} WHERE id IN (SELECT id FROM _same))`,
          );
        }
        if (await this.countOf(conn, ids)) {
          changed = true;
          await run(conn, `INSERT INTO ${old} SELECT * FROM _prev WHERE id IN (SELECT id FROM ${ids})`);
          await run(conn, `DELETE FROM ${target} WHERE id IN (SELECT id FROM ${ids})`);
          await run(conn, `INSERT INTO ${cur} SELECT * FROM ${chg} WHERE id IN (SELECT id FROM ${ids})`);
          await run(conn, `INSERT INTO ${target} SELECT * FROM ${cur}`);
        }
        await run(conn, `DROP TABLE ${chg}`);
        await run(conn, 'DROP TABLE _prev');
        await run(conn, 'DROP TABLE _same');
      }
      const gone = deletions.get(src.table) ?? [];
      for (let i = 0; i < gone.length; i += 1000) {
        const list = gone.slice(i, i + 1000).join(',');
        await run(conn, `INSERT INTO ${ids} SELECT id FROM ${target} WHERE id IN (${list})`);
        await run(conn, `INSERT INTO ${old} SELECT ${prevCols(src)} FROM ${target} WHERE id IN (${list})`);
        const res = await conn.run(`DELETE FROM ${target} WHERE id IN (${list})`);
        const n = Number(res.rowsChanged);
        this.count(src.table, n, 'deleted');
        if (n) changed = true;
      }
    }
    const settingsChanged = settingsBefore !== (await this.settingsRow(conn));
    if (!changed && !settingsChanged) {
      await run(conn, 'ROLLBACK');
      return { changed: false, watermark, modelMs };
    }
    // Rates or settings (as-of date included) move every converted figure, and a file built by
    // other model SQL must not be patched by this one: rebuild all models.
    const everything =
      settingsChanged || builtBy !== modelsHash() || (await this.countOf(conn, '_ids_fx_rates')) > 0;
    let runner: StatementRunner | undefined;
    if (!everything) {
      this.phase('affected keys');
      this.affected = await prepareAffected(conn);
      runner = await scopedRunner(conn);
    }
    modelMs = await runModels(conn, (name) => this.phase(`model ${name}`), runner);
    await this.writeMeta(conn, 'incremental', watermark);
    await this.opts.beforeCommit?.();
    this.phase('commit');
    await run(conn, 'COMMIT');
    return { changed: true, watermark, modelMs };
  }

  private result(
    watermark: string,
    t0: number,
    modelMs: Record<string, number>,
    published: boolean,
  ): LoadResult {
    return {
      ...this.progress,
      watermark,
      asOf: this.opts.asOf,
      durationMs: Math.round(performance.now() - t0),
      modelMs,
      published,
      ...(this.affected ? { affected: this.affected } : {}),
    };
  }
}

type TextPages = AsyncGenerator<Array<Record<string, string | null>>, void, unknown>;

/**
 * Starts the changed-rows query of every source at once (at most 4 in flight, so the API keeps
 * pool connections): the PostgreSQL round trips overlap instead of queueing behind each other
 * and behind DuckDB. Only the first page of each is read ahead; later pages follow as consumed.
 */
function prefetchFirstPages(db: Knex, sources: SourceTable[], since: string) {
  const out = new Map<
    string,
    { first: Promise<IteratorResult<Array<Record<string, string | null>>, void>>; rest: TextPages }
  >();
  const lanes: Array<Promise<unknown>> = [];
  sources.forEach((src, i) => {
    const rest = rowPages(db, src, { since });
    const lane = i < 4 ? Promise.resolve() : lanes[i - 4];
    const first = lane.then(() => rest.next());
    lanes.push(first.catch(() => undefined));
    first.catch(() => undefined); // surfaced when the loop awaits it
    out.set(src.table, { first, rest });
  });
  return out;
}

interface Applied {
  changed: boolean;
  watermark: string;
  modelMs: Record<string, number>;
}

/** The published file could not be opened read-write (another process has it open). */
class FileBusyError extends Error {
  constructor(cause: Error) {
    super(`warehouse file busy: ${cause.message}`);
  }
}

/** A failed load leaves nothing behind: close the draft file and delete it with its WAL. */
function discardDraft(conn: { closeSync(): void }, instance: { closeSync(): void }, file: string) {
  conn.closeSync();
  instance.closeSync();
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
}
