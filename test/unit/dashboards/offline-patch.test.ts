import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Evidence only works offline with reports/scripts/patch-universal-sql.cjs applied (see its
 * header). These tests fail loudly when reports/ is not installed, when the installed files are
 * not patched, or when the patch no longer matches what upstream ships.
 */
const REPORTS = resolve(__dirname, '../../../reports');
const SCRIPT = join(REPORTS, 'scripts', 'patch-universal-sql.cjs');
const USQL = join(REPORTS, 'node_modules', '@evidence-dev', 'universal-sql');
const CLIENTS = ['node.js', 'browser.js'];
const MARKER = 'ledgerline: tolerated on duckdb-wasm 1.28';

function runPatch(args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
}

/** The upstream text, recovered from the installed (patched) file. */
function unpatched(text: string): string {
  return text.replace(
    /try \{ (await connection\.query\('[^']+'\);) \} catch \{ \/\* ledgerline[^*]*\*\/ \}/g,
    '$1',
  );
}

describe('Evidence offline patch (reports/)', () => {
  it('reports/ is installed (npm run reports:install)', () => {
    expect(existsSync(USQL)).toBe(true);
  });

  it('pins duckdb-wasm 1.28.0 and keeps telemetry off', () => {
    const pkg = JSON.parse(readFileSync(join(REPORTS, 'package.json'), 'utf8'));
    expect(pkg.overrides['@duckdb/duckdb-wasm']).toBe('1.28.0');
    // @evidence-dev/duckdb asks for node-api 1.4.2, whose bindings are not published for every
    // platform: its lock entries go missing and `npm ci` refuses the lock. 1.5.6 (the root's) has all.
    expect(pkg.overrides['@duckdb/node-api']).toBe('1.5.6-r.1');
    expect(pkg.scripts.postinstall).toContain('patch-universal-sql.cjs');
    const wasm = JSON.parse(
      readFileSync(join(REPORTS, 'node_modules', '@duckdb', 'duckdb-wasm', 'package.json'), 'utf8'),
    );
    expect(wasm.version).toBe('1.28.0');
    expect(JSON.parse(readFileSync(join(REPORTS, 'evidence.settings.json'), 'utf8'))).toEqual({
      send_anonymous_usage_stats: 'no',
    });
  });

  it('the installed universal-sql clients carry the patch (both SET statements tolerated)', () => {
    for (const client of CLIENTS) {
      const text = readFileSync(join(USQL, 'src', 'client-duckdb', client), 'utf8');
      expect(text).toContain(
        `try { await connection.query('SET ieee_floating_point_ops = false;'); } catch {`,
      );
      expect(text).toContain(`try { await connection.query('SET old_implicit_casting = true;'); } catch {`);
      expect(text.match(new RegExp(MARKER, 'g'))).toHaveLength(2);
    }
    const check = runPatch(['--check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  describe('on a scratch copy of the upstream files', () => {
    let root: string;
    let clientDir: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'll-patch-'));
      clientDir = join(root, 'node_modules', '@evidence-dev', 'universal-sql', 'src', 'client-duckdb');
      mkdirSync(clientDir, { recursive: true });
      cpSync(
        join(USQL, 'package.json'),
        join(root, 'node_modules', '@evidence-dev', 'universal-sql', 'package.json'),
      );
      for (const client of CLIENTS) {
        const text = readFileSync(join(USQL, 'src', 'client-duckdb', client), 'utf8');
        writeFileSync(join(clientDir, client), unpatched(text));
      }
      mkdirSync(join(root, 'node_modules', '@duckdb', 'duckdb-wasm'), { recursive: true });
      writeFileSync(
        join(root, 'node_modules', '@duckdb', 'duckdb-wasm', 'package.json'),
        '{"version":"1.28.0"}',
      );
      writeFileSync(join(root, 'evidence.settings.json'), '{"send_anonymous_usage_stats":"no"}');
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('patches once, then is a no-op', () => {
      expect(readFileSync(join(clientDir, 'node.js'), 'utf8')).not.toContain(MARKER);
      const first = runPatch(['--root', root]);
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/node\.js: patched/);
      expect(first.stdout).toMatch(/browser\.js: patched/);
      const once = readFileSync(join(clientDir, 'node.js'), 'utf8');
      const second = runPatch(['--root', root]);
      expect(second.status).toBe(0);
      expect(second.stdout).toMatch(/node\.js: already/);
      expect(readFileSync(join(clientDir, 'node.js'), 'utf8')).toBe(once);
    });

    it('fails loudly when upstream changed the statements it patches', () => {
      const file = join(clientDir, 'browser.js');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/SET old_implicit_casting = true;/, 'SET something_else;'),
      );
      const res = runPatch(['--root', root]);
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(
        /browser\.js: neither the original nor the patched form of "SET old_implicit_casting/,
      );
    });

    it('fails when duckdb-wasm is not the offline-capable 1.28.0', () => {
      writeFileSync(
        join(root, 'node_modules', '@duckdb', 'duckdb-wasm', 'package.json'),
        '{"version":"1.32.0"}',
      );
      const res = runPatch(['--root', root]);
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/1\.32\.0; the offline build needs 1\.28\.0/);
    });
  });
});
