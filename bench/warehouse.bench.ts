/**
 * `npm run bench -- warehouse [--scale K] [--seed S]`: the warehouse on real PostgreSQL at the
 * issue's size (scale 1 = 1M invoices ≈ 3M lines, ≈1M payments, 50k subscriptions) in a fresh
 * database it creates and drops. Prints load vs raw COPY-out, marts build time, DuckDB speed-up
 * over the same mart SQL in PostgreSQL, incremental refresh after 1,000 changed invoices, report
 * latency and the loader's peak memory; the last line is the JSON summary.
 *
 * For iterating (the figures of record come from the plain run):
 * - `--reuse` runs on DATABASE_URL and keeps it; it seeds only when it has no invoices yet. The
 *   incremental phase changes invoices, so leave it out of runs that should stay comparable.
 * - `--phases copy,load,marts,speedup,incremental,reports` runs only those phases (default all).
 * - `--duck FILE` keeps the warehouse file there; a run without `load` reuses it.
 * - `--lanes N`: COPY pages the full load streams at once (default 2).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { migrateLatest } from '../migrations';
import { createDb } from '../src/app/database';
import { seedCommerce } from '../src/seed/generators/commerce.generator';
import { WarehouseLoader } from '../warehouse/loader';
import { modelFiles } from '../warehouse/models';
import { REPORTS } from '../warehouse/reports';
import { ReportService } from '../src/warehouse/report.service';
import type { AppConfig } from '../src/app/config';
import { SOURCES } from '../warehouse/sources';
import { benchDatabase } from './support/bench-db';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const scale = Number(arg('scale', '1'));
const reuse = process.argv.includes('--reuse');
const PHASES = ['copy', 'load', 'marts', 'speedup', 'incremental', 'reports'];
const phases = new Set(arg('phases', PHASES.join(',')).split(','));
for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p}`);
const duckArg = arg('duck', '');
// COPY pages streamed at once by the full load (the loader's copyConcurrency).
const lanes = Number(arg('lanes', '2'));
const seed = Number(arg('seed', '1'));
const ms = (t0: number) => performance.now() - t0;
const s = (x: number) => +(x / 1000).toFixed(3);
const log = (...a: unknown[]) => console.log(...a);

/** COPY (SELECT <loader columns>) TO STDOUT csv for every source, drained: the floor for any loader. */
async function rawCopyOut(db: Knex): Promise<number> {
  const t0 = performance.now();
  for (const src of SOURCES) {
    const conn = await db.client.acquireConnection();
    try {
      const cols = Object.keys(src.columns)
        .map((c) => `"${c}"`)
        .join(', ');
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      await pipeline(
        conn.query(copyTo(`COPY (SELECT ${cols} FROM ${src.table}) TO STDOUT (FORMAT csv)`)),
        sink,
      );
    } finally {
      await db.client.releaseConnection(conn);
    }
  }
  return ms(t0);
}

/** Mart statements (one per table), from the 4x model files. */
function martStatements(): Array<{ table: string; sql: string }> {
  return modelFiles()
    .filter((f) => f.name.startsWith('4'))
    .flatMap((f) => f.sql.split(/;\s*$/m))
    .map((sql) => sql.trim())
    .filter((sql) => /CREATE OR REPLACE TABLE/.test(sql))
    .map((sql) => ({ table: /CREATE OR REPLACE TABLE (\w+)/.exec(sql)![1], sql }));
}

const PG_TYPES: Record<string, string> = {
  BIGINT: 'bigint',
  INTEGER: 'integer',
  VARCHAR: 'text',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  DOUBLE: 'double precision',
  BOOLEAN: 'boolean',
  HUGEINT: 'numeric',
};

/** Copies the tables marts read (dims, facts, settings) from DuckDB into PostgreSQL. */
async function copyBaseTablesToPg(duck: DuckDBConnection, db: Knex, dir: string) {
  const tables = (
    await duck.runAndReadAll(
      `SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND (table_name LIKE 'dim\\_%' ESCAPE '\\' OR table_name LIKE 'fct\\_%' ESCAPE '\\' OR table_name = 'wh_settings')`,
    )
  )
    .getRowObjectsJS()
    .map((r) => r.table_name as string);
  for (const t of tables) {
    const cols = (
      await duck.runAndReadAll(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${t}' ORDER BY ordinal_position`,
      )
    ).getRowObjectsJS() as Array<{ column_name: string; data_type: string }>;
    const defs = cols.map(({ column_name: c, data_type: ty }) => {
      const pgType = PG_TYPES[ty] ?? (ty.startsWith('DECIMAL') ? ty.replace('DECIMAL', 'numeric') : 'text');
      return `"${c}" ${pgType}`;
    });
    await db.raw(`DROP TABLE IF EXISTS ${t}; CREATE UNLOGGED TABLE ${t} (${defs.join(', ')})`);
    const file = join(dir, `${t}.csv`);
    await duck.run(`COPY ${t} TO '${file}' (FORMAT csv, HEADER false)`);
    const conn = await db.client.acquireConnection();
    try {
      await pipeline(createReadStream(file), conn.query(copyFrom(`COPY ${t} FROM STDIN (FORMAT csv)`)));
    } finally {
      await db.client.releaseConnection(conn);
    }
    rmSync(file, { force: true });
    await db.raw(`ANALYZE ${t}`);
  }
}

/**
 * The indexes a PostgreSQL warehouse would carry in production: keys of dims and facts and the
 * foreign keys / month columns marts and reports join or filter on. Marts then run on an indexed
 * PostgreSQL, so the DuckDB speed-up is not measured against a bare heap.
 */
const PG_INDEXES: Array<[string, string]> = [
  ['dim_customer', 'customer_id'],
  ['dim_product', 'product_id'],
  ['dim_date', 'date'],
  ['dim_date', 'month'],
  ['dim_currency', 'currency'],
  ['dim_fx_day', 'currency, date'],
  ['fct_invoice', 'invoice_id'],
  ['fct_invoice', 'customer_id'],
  ['fct_invoice', 'month'],
  ['fct_invoice', 'status'],
  ['fct_invoice_line', 'line_id'],
  ['fct_invoice_line', 'invoice_id'],
  ['fct_invoice_line', 'month'],
  ['fct_payment', 'payment_id'],
  ['fct_payment', 'invoice_id'],
  ['fct_payment', 'customer_id'],
  ['fct_payment', 'month'],
  ['fct_refund', 'refund_id'],
  ['fct_refund', 'payment_id'],
  ['fct_dispute', 'dispute_id'],
  ['fct_payout', 'payout_id'],
  ['fct_balance_transaction', 'payout_id'],
  ['fct_collection_line', 'source_id'],
  ['fct_collection_line', 'invoice_id'],
  ['fct_collection_line', 'month'],
  ['fct_subscription_period', 'customer_id'],
  ['fct_subscription_period', 'subscription_id'],
  ['fct_sync_link', 'connection_id, object, local_id'],
  ['fct_external_record', 'connection_id, external_id'],
];

async function indexPgBaseTables(db: Knex) {
  for (const [table, cols] of PG_INDEXES) {
    const exists = await db.raw(`SELECT to_regclass(?) AS t`, [table]);
    if (!exists.rows[0].t) continue;
    const name = `${table}_${cols.replace(/\W+/g, '_')}_idx`;
    await db.raw(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${cols})`);
  }
}

function pgSql(sql: string) {
  return sql.replace(
    /CREATE OR REPLACE TABLE (\w+) AS/,
    'DROP TABLE IF EXISTS $1; CREATE UNLOGGED TABLE $1 AS',
  );
}

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};

async function main() {
  // Always a fresh database: the figures are for a load from scratch.
  // A fresh database unless --reuse: the figures of record are for a load from scratch.
  const benchDb = await benchDatabase('ll_bench_wh', { reuse });
  const dir = mkdtempSync(join(tmpdir(), 'll-wh-bench-'));
  const path = duckArg || join(dir, 'warehouse.duckdb');
  const db = await createDb({ databaseUrl: benchDb.url, poolMax: 6 });
  const figures: Record<string, number> = {};
  try {
    await migrateLatest(db);
    const t0 = performance.now();
    const seeded = reuse && Number((await db.raw(`select count(*) as n from invoices`)).rows[0].n) > 0;
    if (!seeded) {
      const counts = await seedCommerce(db, { profile: 'bench', scale, seed });
      await db.raw('VACUUM ANALYZE');
      log(`seeded in ${s(ms(t0))} s:`, counts);
    }

    if (phases.has('copy')) {
      const copyOut = await rawCopyOut(db);
      log(`raw COPY-out (csv) of the loader's rows: ${s(copyOut)} s`);
      figures.copy_out_s = s(copyOut);
    }
    if (phases.has('load')) await fullLoad(db, path, figures);
    if (phases.has('marts') || phases.has('speedup')) await martsAndSpeedups(db, path, dir, figures);
    if (phases.has('incremental')) await incremental(db, path, figures);
    if (phases.has('reports')) await reportLatency(path, figures);
  } finally {
    await db.destroy();
    await benchDb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  log(JSON.stringify({ bench: 'warehouse', n: Math.round(1_000_000 * scale), scale, figures }));
}

const asOf = '2026-06-30';
const SPEEDUP_RUNS = 5;

async function fullLoad(db: Knex, path: string, figures: Record<string, number>) {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const full = await new WarehouseLoader({ db, path, asOf, copyConcurrency: lanes }).run('full');
  clearInterval(sampler);
  const modelTotal = Object.values(full.modelMs).reduce((a, b) => a + b, 0);
  const extract = full.durationMs - modelTotal;
  log(
    `full load ${s(full.durationMs)} s = extract+ingest ${s(extract)} s + models ${s(modelTotal)} s; rows`,
    full.rows,
  );
  figures.full_load_s = s(extract);
  figures.full_load_with_models_s = s(full.durationMs);
  if (figures.copy_out_s) figures.load_ratio = +(extract / (figures.copy_out_s * 1000)).toFixed(2);
  figures.peak_rss_mb = Math.round(peak / 1048576);
}

async function martsAndSpeedups(db: Knex, path: string, dir: string, figures: Record<string, number>) {
  // Models again on the loaded base tables (all of staging → dims → facts → marts).
  const inst = await DuckDBInstance.create(path);
  const duck = await inst.connect();
  const t0 = performance.now();
  for (const f of modelFiles()) await duck.run(f.sql);
  figures.marts_build_s = s(ms(t0));
  log(`all models rebuilt from the base tables in ${figures.marts_build_s} s`);
  if (!phases.has('speedup')) {
    duck.closeSync();
    inst.closeSync();
    return;
  }

  // The same mart SQL on the same base tables in PostgreSQL.
  await copyBaseTablesToPg(duck, db, dir);
  await indexPgBaseTables(db);
  await db.raw(`SET work_mem = '256MB'`);
  const speedups: number[] = [];
  for (const m of martStatements()) {
    // Warm on both sides: each engine runs the statement SPEEDUP_RUNS times, its fastest run
    // counts (the small marts take 10-20 ms in DuckDB, where one scheduler hiccup moves a ratio).
    let duckMs = Infinity;
    let pgMs = Infinity;
    for (let run = 0; run < SPEEDUP_RUNS; run++) {
      const t1 = performance.now();
      await duck.run(m.sql);
      duckMs = Math.min(duckMs, ms(t1));
      const t2 = performance.now();
      await db.raw(pgSql(m.sql));
      pgMs = Math.min(pgMs, ms(t2));
    }
    const empty =
      Number((await duck.runAndReadAll(`SELECT count(*) FROM ${m.table}`)).getRowsJS()[0][0]) === 0;
    const x = pgMs / duckMs;
    log(
      `  ${m.table.padEnd(28)} duckdb ${duckMs.toFixed(0).padStart(6)} ms  postgres ${pgMs.toFixed(0).padStart(7)} ms  ×${x.toFixed(1)}${empty ? '  (empty source: not counted)' : ''}`,
    );
    if (!empty) speedups.push(x);
  }
  figures.duckdb_speedup_geomean = +Math.exp(
    speedups.reduce((a, b) => a + Math.log(b), 0) / speedups.length,
  ).toFixed(1);
  figures.duckdb_speedup_min = +Math.min(...speedups).toFixed(1);
  duck.closeSync();
  inst.closeSync();
}

async function incremental(db: Knex, path: string, figures: Record<string, number>) {
  // Incremental: the 1,000 most recent open invoices get paid and one line each changes
  // (day-to-day activity lands in recent months; only those months' mart rows are rebuilt).
  await db.raw(`UPDATE invoices SET amount_paid_minor = total_minor, amount_due_minor = 0, status = 'paid', updated_at = now()
                  WHERE id IN (SELECT id FROM invoices WHERE status = 'open' ORDER BY issue_date DESC, id LIMIT 1000)`);
  await db.raw(`UPDATE line_items SET amount_minor = amount_minor + 100, updated_at = now()
                  WHERE id IN (SELECT min(l.id) FROM line_items l JOIN invoices i ON i.id = l.owner_id AND l.owner_type = 'invoice'
                               WHERE i.updated_at > now() - interval '1 minute' GROUP BY i.id)`);
  // Time per phase (extract per table, affected keys, model files, commit, checkpoint).
  const phaseMs: Record<string, number> = {};
  let phase = 'start';
  let since = performance.now();
  const onProgress = (p: { phase: string }) => {
    if (p.phase === phase) return;
    phaseMs[phase] = (phaseMs[phase] ?? 0) + Math.round(ms(since));
    phase = p.phase;
    since = performance.now();
  };
  const inc = await new WarehouseLoader({ db, path, asOf, onProgress }).run('incremental');
  figures.incremental_s = s(inc.durationMs);
  log(
    `incremental refresh after 1,000 changed invoices: ${figures.incremental_s} s (models ${s(Object.values(inc.modelMs).reduce((a, b) => a + b, 0))} s); rows`,
    inc.rows,
    'affected',
    inc.affected,
    'ms per phase',
    phaseMs,
  );
}

async function reportLatency(path: string, figures: Record<string, number>) {
  // Reports served from the marts the way the API serves them (ReportService: parameter
  // validation, read-only instance, bound parameters, currency conversion, rows read into JS and
  // the JSON body serialised), at the default page size.
  const reports = new ReportService({ warehousePath: path } as AppConfig);
  let worst = 0;
  for (const def of REPORTS) {
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      const query: Record<string, string> = {};
      if (def.money.length) query.currency = i % 2 ? 'EUR' : 'USD';
      for (const p of def.params) {
        if (p.name === 'from') query.from = '2025-07';
        if (p.name === 'to') query.to = '2026-06';
      }
      const t1 = performance.now();
      const out = await reports.run(def.name, query);
      JSON.stringify({ ...out.meta, columns: out.result.columns, rows: out.result.rows });
      times.push(ms(t1));
    }
    const [p50, p95] = [pct(times.slice(10), 0.5), pct(times.slice(10), 0.95)];
    worst = Math.max(worst, p95);
    log(`  report ${def.name.padEnd(20)} p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms`);
  }
  reports.onModuleDestroy();
  figures.report_p95_ms_max = +worst.toFixed(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
