import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MAIN = resolve(__dirname, '../../dist/src/main.js');

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function waitHealthy(port: number, within: number, proc: Run) {
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      if (res.ok) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not healthy within ${within} ms; output:\n${proc.out().slice(-3000)}`);
}

/** `npm start` as a user runs it: the built service on embedded PGlite in a fresh data directory. */
describe('npm start on the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves health and the API within 15 s, prints the admin key once, keeps data across restarts', async () => {
    const port = await freePort();
    const first = run({ PORT: String(port), DATA_DIR: dataDir });
    try {
      const started = Date.now();
      const health = await waitHealthy(port, 15000, first);
      expect(Date.now() - started).toBeLessThan(15000);
      expect(health.database).toMatchObject({ status: 'up', engine: 'pglite' });
      const key = /(ll_[A-Za-z0-9_-]{20,})/.exec(first.out())?.[1];
      expect(key).toBeDefined();
      const companies = await fetch(`http://127.0.0.1:${port}/api/v1/companies`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(companies.status).toBe(200);
      expect((await companies.json()).results.length).toBeGreaterThanOrEqual(3); // demo seed
      const docs = await fetch(`http://127.0.0.1:${port}/api/docs`);
      expect(await docs.text()).toContain('swagger-ui');
      const bundle = await fetch(`http://127.0.0.1:${port}/api/docs/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100000);

      first.child.kill('SIGTERM');
      const code = await first.exited;
      if (code !== 0) throw new Error(`SIGTERM exit ${code}; output:\n${first.out().slice(-4000)}`);

      const second = run({ PORT: String(port), DATA_DIR: dataDir });
      try {
        await waitHealthy(port, 15000, second);
        expect(second.out()).not.toMatch(/ll_[A-Za-z0-9_-]{20,}/);
        const again = await fetch(`http://127.0.0.1:${port}/api/v1/companies`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect((await again.json()).results.length).toBe(3); // not seeded twice
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      first.child.kill('SIGKILL');
    }
  }, 60000);

  it('refuses to start with a clear message naming a bad variable', async () => {
    const bad = run({ PORT: 'eighty', DATA_DIR: dataDir, DATABASE_URL: 'mysql://nope' });
    expect(await bad.exited).toBe(78);
    expect(bad.out()).toMatch(/PORT/);
    expect(bad.out()).toMatch(/DATABASE_URL: must be a postgres/);
  });
});
