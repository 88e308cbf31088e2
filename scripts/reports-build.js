#!/usr/bin/env node
/*
 * Builds the Evidence dashboards (reports/) from the published warehouse file and publishes the
 * static site for the service to serve at /dashboards. Used by `npm run reports:build` and by the
 * service's background rebuild (src/dashboards), so both produce the same thing.
 *
 *   node scripts/reports-build.js [--warehouse FILE] [--publish DIR]
 *
 * Defaults: FILE = $WAREHOUSE_PATH or $DATA_DIR/warehouse.duckdb (./data); DIR = $DASHBOARDS_DIR
 * or $DATA_DIR/dashboards.
 *
 * Steps: one build at a time (a lock file; a second build waits), copy the warehouse to reports/.snapshot (Evidence reads
 * that copy, never the file the loader swaps), `evidence sources --strict`, `evidence
 * build:strict`, then publish: copy reports/build to DIR/site-<stamp> with a ledgerline-build.json
 * and switch the DIR/current symlink to it by rename (atomic: a reader sees the old or the new
 * site, never half of one). The two newest sites are kept so pages already open keep loading.
 * The last line printed is a JSON summary.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const REPORTS = path.join(ROOT, 'reports');
const SNAPSHOT_DIR = path.join(REPORTS, '.snapshot');
const LOCK = path.join(SNAPSHOT_DIR, 'build.lock');
const BUILD_INFO = 'ledgerline-build.json';

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function fail(message) {
  console.error(`[reports-build] ${message}`);
  process.exit(1);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Exclusive lock file holding our pid, waited for (a build from another process finishes first);
 * a lock left by a dead process is taken over.
 */
function lock(timeoutMs = 15 * 60_000) {
  fs.mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const until = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(LOCK, 'utf8'));
    if (!holder || !alive(holder)) {
      fs.rmSync(LOCK, { force: true });
      continue;
    }
    if (Date.now() > until) fail(`another build (pid ${holder}) is still running`);
    if (!said) console.error(`[reports-build] waiting for the build in pid ${holder}`);
    said = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

function run(label, args, env) {
  const t0 = Date.now();
  const res = spawnSync('npm', ['run', '--silent', ...args], {
    cwd: REPORTS,
    // Always a production build: under NODE_ENV=test (jest) Evidence adds its dev-only explore
    // pages, whose prerender fails.
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) fail(`${label} failed (exit ${res.status ?? res.signal})`);
  return Date.now() - t0;
}

function publish(buildDir, publishDir, info) {
  fs.mkdirSync(publishDir, { recursive: true });
  const name = `site-${new Date().toISOString().replace(/[-:.TZ]/g, '')}-${process.pid}`;
  const site = path.join(publishDir, name);
  fs.cpSync(buildDir, site, { recursive: true });
  fs.writeFileSync(path.join(site, BUILD_INFO), JSON.stringify(info, null, 2));
  const tmpLink = path.join(publishDir, `current.${process.pid}`);
  fs.rmSync(tmpLink, { force: true });
  fs.symlinkSync(name, tmpLink);
  fs.renameSync(tmpLink, path.join(publishDir, 'current'));
  const sites = fs
    .readdirSync(publishDir)
    .filter((f) => f.startsWith('site-'))
    .sort();
  for (const old of sites.slice(0, -2))
    fs.rmSync(path.join(publishDir, old), { recursive: true, force: true });
  return site;
}

function main() {
  const dataDir = path.resolve(process.env.DATA_DIR || path.join(ROOT, 'data'));
  const warehouse = path.resolve(
    arg('--warehouse') || process.env.WAREHOUSE_PATH || path.join(dataDir, 'warehouse.duckdb'),
  );
  const publishDir = path.resolve(
    arg('--publish') || process.env.DASHBOARDS_DIR || path.join(dataDir, 'dashboards'),
  );
  if (!fs.existsSync(path.join(REPORTS, 'node_modules', '@evidence-dev', 'evidence'))) {
    fail('reports/ is not installed: run `npm run reports:install` first');
  }
  // The offline patch must be in place, or `evidence sources` hangs forever.
  const check = spawnSync(
    process.execPath,
    [path.join(REPORTS, 'scripts', 'patch-universal-sql.cjs'), '--check'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (check.status !== 0)
    fail('the universal-sql offline patch is not applied (run `npm run reports:install`)');
  let stat;
  try {
    stat = fs.statSync(warehouse);
  } catch {
    fail(`no warehouse at ${warehouse}: load it first (POST /api/v1/warehouse/refresh)`);
  }

  lock();
  try {
    const t0 = Date.now();
    // copyFileSync reads one open file: a concurrent publish (rename) by the loader cannot tear it.
    fs.copyFileSync(warehouse, path.join(SNAPSHOT_DIR, 'warehouse.duckdb'));
    // In-place refreshes live in the WAL until DuckDB folds it into the file: copy it too.
    const wal = `${warehouse}.wal`;
    if (fs.existsSync(wal)) fs.copyFileSync(wal, path.join(SNAPSHOT_DIR, 'warehouse.duckdb.wal'));
    else fs.rmSync(path.join(SNAPSHOT_DIR, 'warehouse.duckdb.wal'), { force: true });
    // Evidence copies into reports/build without clearing it: start clean so no stale data ships.
    fs.rmSync(path.join(REPORTS, 'build'), { recursive: true, force: true });
    const sourcesMs = run('evidence sources', ['sources', '--', '--strict'], {});
    const buildMs = run('evidence build', ['build:strict'], {});
    const info = {
      warehouse: {
        path: warehouse,
        key: `${stat.ino}:${stat.mtimeMs}:${stat.size}`,
        mtime: stat.mtime.toISOString(),
      },
      built_at: new Date().toISOString(),
      duration_ms: Date.now() - t0,
      sources_ms: sourcesMs,
      build_ms: buildMs,
    };
    const site = publish(path.join(REPORTS, 'build'), publishDir, info);
    console.log(JSON.stringify({ ok: true, site, ...info }));
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

main();
