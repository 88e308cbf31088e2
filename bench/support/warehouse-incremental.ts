/**
 * Iterating on the warehouse's incremental refresh without reseeding (the default size takes
 * minutes to seed and load):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ll_whinc node dist/bench/support/warehouse-incremental.js \
 *     [--scale 1] [--reps 3] [--dir /tmp/ll-whinc] [--reload] [--verify]
 *
 * The database is seeded (bench profile) only when it has no invoices, and kept afterwards. A
 * full load plus the bench's second model build and mart runs make the baseline file, kept in --dir and reused
 * until --reload. Each rep restores the baseline file, makes the bench's change (1,000 recent
 * open invoices paid, one line of each +100), times the incremental refresh with its phases,
 * then puts the changed PostgreSQL rows back as they were (updated_at included, so the baseline
 * watermark still covers them) — every rep starts from the same state. --verify compares every
 * table of the refreshed file with a full load of the changed database (EXCEPT ALL both ways).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { migrateLatest } from '../../migrations';
import { createDb, rowsOf } from '../../src/app/database';
import { seedCommerce } from '../../src/seed/generators/commerce.generator';
import { WarehouseLoader } from '../../warehouse/loader';
import { modelFiles } from '../../warehouse/models';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const asOf = '2026-06-30';

async function seedIfEmpty(db: Knex, scale: number) {
  await migrateLatest(db);
  const n = Number(rowsOf<{ n: string }>(await db.raw('select count(*) as n from invoices'))[0].n);
  if (n) return;
  const t0 = performance.now();
  await seedCommerce(db, { profile: 'bench', scale, seed: 1 });
  await db.raw('VACUUM ANALYZE');
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Full load, then all models once more on the file (as the bench does before its incremental run). */
async function buildBaseline(db: Knex, base: string) {
  rmSync(base, { force: true });
  rmSync(`${base}.wal`, { force: true });
  const t0 = performance.now();
  await new WarehouseLoader({ db, path: base, asOf, copyConcurrency: 2 }).run('full');
  const inst = await DuckDBInstance.create(base);
  const duck = await inst.connect();
  for (const f of modelFiles()) await duck.run(f.sql);
  // The bench then runs every mart statement twice more (its DuckDB vs PostgreSQL timings),
  // which leaves the file as the bench's incremental refresh finds it.
  const marts = modelFiles()
    .filter((f) => f.name.startsWith('4'))
    .flatMap((f) => f.sql.split(/;\s*$/m))
    .filter((sql) => /CREATE OR REPLACE TABLE/.test(sql));
  for (let run = 0; run < 2; run++) for (const sql of marts) await duck.run(sql);
  duck.closeSync();
  inst.closeSync();
  console.log(`baseline built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The bench's change, with the rows saved first so restore() can put them back. */
async function change(db: Knex) {
  await db.raw(`DROP TABLE IF EXISTS _whinc_inv; DROP TABLE IF EXISTS _whinc_line`);
  await db.raw(`CREATE TABLE _whinc_inv AS SELECT * FROM invoices
                WHERE id IN (SELECT id FROM invoices WHERE status = 'open' ORDER BY issue_date DESC, id LIMIT 1000)`);
  await db.raw(`CREATE TABLE _whinc_line AS SELECT * FROM line_items WHERE id IN
                (SELECT min(l.id) FROM line_items l WHERE l.owner_type = 'invoice' AND l.owner_id IN (SELECT id FROM _whinc_inv) GROUP BY l.owner_id)`);
  await db.raw(`UPDATE invoices SET amount_paid_minor = total_minor, amount_due_minor = 0, status = 'paid', updated_at = now()
                WHERE id IN (SELECT id FROM _whinc_inv)`);
  await db.raw(`UPDATE line_items SET amount_minor = amount_minor + 100, updated_at = now()
                WHERE id IN (SELECT id FROM _whinc_line)`);
}

async function restore(db: Knex) {
  for (const [table, bak] of [
    ['invoices', '_whinc_inv'],
    ['line_items', '_whinc_line'],
  ]) {
    const cols = rowsOf<{ c: string }>(
      await db.raw(
        `select column_name as c from information_schema.columns where table_name = ? and table_schema = current_schema() and column_name <> 'id'`,
        [bak],
      ),
    ).map((r) => `"${r.c}"`);
    await db.raw(
      `UPDATE ${table} t SET (${cols.join(', ')}) = (SELECT ${cols.map((c) => `b.${c}`).join(', ')} FROM ${bak} b WHERE b.id = t.id)
       WHERE t.id IN (SELECT id FROM ${bak})`,
    );
    await db.raw(`DROP TABLE ${bak}`);
  }
}

async function verify(db: Knex, dir: string, refreshed: string) {
  const fresh = join(dir, 'fresh.duckdb');
  rmSync(fresh, { force: true });
  await new WarehouseLoader({ db, path: fresh, asOf, copyConcurrency: 2 }).run('full');
  const inst = await DuckDBInstance.create(':memory:');
  const duck = await inst.connect();
  await duck.run(`ATTACH '${refreshed}' AS a (READ_ONLY)`);
  await duck.run(`ATTACH '${fresh}' AS b (READ_ONLY)`);
  const tables = (
    await duck.runAndReadAll(
      `SELECT table_name FROM information_schema.tables WHERE table_catalog = 'b' AND table_type = 'BASE TABLE' AND table_name <> 'wh_meta' ORDER BY 1`,
    )
  )
    .getRowsJS()
    .map((r) => r[0] as string);
  let bad = 0;
  for (const t of tables) {
    const n = Number(
      (
        await duck.runAndReadAll(
          `SELECT (SELECT count(*) FROM (SELECT * FROM a.${t} EXCEPT ALL SELECT * FROM b.${t})) + (SELECT count(*) FROM (SELECT * FROM b.${t} EXCEPT ALL SELECT * FROM a.${t}))`,
        )
      ).getRowsJS()[0][0],
    );
    if (n) {
      bad++;
      console.log(`  DIFFERS ${t}: ${n} rows`);
    }
  }
  console.log(`verify: ${tables.length} tables, ${bad} differ`);
  duck.closeSync();
  inst.closeSync();
  rmSync(fresh, { force: true });
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL (kept between runs) is required');
  const scale = Number(arg('scale', '1'));
  const reps = Number(arg('reps', '3'));
  const dir = arg('dir', '/tmp/ll-whinc');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, 'base.duckdb');
  const path = join(dir, 'warehouse.duckdb');
  const db = await createDb({ databaseUrl: url, poolMax: 6 });
  try {
    await seedIfEmpty(db, scale);
    if (flag('reload') || !existsSync(base)) await buildBaseline(db, base);
    for (let rep = 0; rep < reps; rep++) {
      rmSync(`${path}.wal`, { force: true });
      copyFileSync(base, path);
      await change(db);
      try {
        const phases: Record<string, number> = {};
        let phase = 'start';
        let since = performance.now();
        const onProgress = (p: { phase: string }) => {
          if (p.phase === phase) return;
          phases[phase] = (phases[phase] ?? 0) + Math.round(performance.now() - since);
          phase = p.phase;
          since = performance.now();
        };
        const cpu0 = process.cpuUsage();
        const inc = await new WarehouseLoader({ db, path, asOf, onProgress }).run('incremental');
        const cpu = process.cpuUsage(cpu0);
        phases[phase] = (phases[phase] ?? 0) + Math.round(performance.now() - since);
        const merged: Record<string, number> = {};
        for (const [k, v] of Object.entries(phases)) {
          const key = k.startsWith('extract ') ? 'extract' : k;
          merged[key] = (merged[key] ?? 0) + v;
        }
        console.log(
          JSON.stringify({
            incremental_s: +(inc.durationMs / 1000).toFixed(3),
            cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(2),
            phases: merged,
            affected: inc.affected,
          }),
        );
        if (flag('verify') && rep === reps - 1) await verify(db, dir, path);
      } finally {
        await restore(db);
      }
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
