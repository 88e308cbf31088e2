#!/usr/bin/env node
/*
 * Makes Evidence work offline (run from this package's postinstall, so every `npm ci` /
 * `npm install` re-applies it; safe to run any number of times).
 *
 * Why: stock Evidence 40.1.8 bundles @duckdb/duckdb-wasm 1.32 (DuckDB 1.4), which has no built-in
 * parquet and waits forever for an extension download — `evidence sources` hangs offline, and
 * so would the browser. package.json overrides duckdb-wasm to 1.28.0 (DuckDB 0.9.1, parquet built
 * in). universal-sql 3.0.1 then opens every connection with two SET statements that DuckDB 0.9.1
 * does not know (`ieee_floating_point_ops`, `old_implicit_casting`); both only restore behaviour
 * 0.9.1 already has, so failing them is harmless — we wrap each in try/catch, in the node and the
 * browser client.
 *
 * It fails loudly (exit 1) when a file no longer has the expected shape, so an Evidence upgrade
 * breaks the install instead of producing a build that hangs. `--check` verifies without writing.
 */
const fs = require('node:fs');
const path = require('node:path');

// --root DIR patches another Evidence project (the test runs it on a scratch copy).
const rootArg = process.argv.indexOf('--root');
const ROOT = path.resolve(rootArg > 0 ? process.argv[rootArg + 1] : path.join(__dirname, '..'));
const MARKER = '/* ledgerline: tolerated on duckdb-wasm 1.28 (DuckDB 0.9.1) */';
const STATEMENTS = ['SET ieee_floating_point_ops = false;', 'SET old_implicit_casting = true;'];
const CLIENT_FILES = ['src/client-duckdb/node.js', 'src/client-duckdb/browser.js'];
const EXPECTED_WASM = '1.28.0';

/** Every installed copy of a package (hoisted or nested), by walking node_modules. */
function findPackages(name, dir = path.join(ROOT, 'node_modules'), found = []) {
  if (!fs.existsSync(dir)) return found;
  const direct = path.join(dir, ...name.split('/'));
  if (fs.existsSync(path.join(direct, 'package.json'))) found.push(direct);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.bin') continue;
    const sub = path.join(dir, entry.name);
    const scoped = entry.name.startsWith('@')
      ? fs.readdirSync(sub, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(sub, e.name))
      : [sub];
    for (const pkg of scoped) findPackages(name, path.join(pkg, 'node_modules'), found);
  }
  return found;
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns 'patched' | 'already' and throws when the file does not look as expected. */
function patchFile(file, write) {
  let text = fs.readFileSync(file, 'utf8');
  let changed = false;
  for (const stmt of STATEMENTS) {
    const original = new RegExp(`^([ \\t]*)await connection\\.query\\('${escape(stmt)}'\\);[ \\t]*$`, 'm');
    const patched = `try { await connection.query('${stmt}'); } catch { ${MARKER} }`;
    if (text.includes(patched)) continue;
    if (!original.test(text)) {
      throw new Error(`${file}: neither the original nor the patched form of "${stmt}" was found`);
    }
    text = text.replace(original, (_m, indent) => `${indent}${patched}`);
    changed = true;
  }
  if (changed && write) fs.writeFileSync(file, text);
  return changed ? 'patched' : 'already';
}

function main() {
  const check = process.argv.includes('--check');
  const problems = [];
  const sqlCopies = findPackages('@evidence-dev/universal-sql');
  if (sqlCopies.length === 0) problems.push('@evidence-dev/universal-sql is not installed');
  for (const dir of sqlCopies) {
    for (const rel of CLIENT_FILES) {
      const file = path.join(dir, rel);
      try {
        const state = patchFile(file, !check);
        if (check && state === 'patched') problems.push(`${file}: not patched`);
        else console.log(`[patch-universal-sql] ${path.relative(ROOT, file)}: ${check ? 'ok' : state}`);
      } catch (err) {
        problems.push(err.message);
      }
    }
  }
  for (const dir of findPackages('@duckdb/duckdb-wasm')) {
    const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (version !== EXPECTED_WASM) {
      problems.push(`${path.relative(ROOT, dir)} is ${version}; the offline build needs ${EXPECTED_WASM} (package.json overrides)`);
    }
  }
  const settings = path.join(ROOT, 'evidence.settings.json');
  try {
    const s = JSON.parse(fs.readFileSync(settings, 'utf8'));
    if (s.send_anonymous_usage_stats !== 'no') problems.push(`${settings}: send_anonymous_usage_stats must be "no"`);
  } catch {
    problems.push(`${settings} is missing or not JSON (it turns Evidence telemetry off)`);
  }
  if (problems.length) {
    console.error(`[patch-universal-sql] FAILED:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}

main();
