import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * "Sandbox by default": the built service with no environment at all (only PORT and a fresh
 * DATA_DIR) makes its own credentials key file, runs the Stripe emulator with a sandbox
 * connection, and the demo history arrives through the real pull: payments, refunds, disputes and
 * payouts via the API, owned by the demo contacts. The 15 s start budget is start.test.ts's job;
 * this file runs beside other suites, so it allows more.
 */
const MAIN = resolve(__dirname, '../../dist/src/main.js');

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function run(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function until<T>(what: string, within: number, fn: () => Promise<T | undefined>, log: () => string) {
  const deadline = Date.now() + within;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} not within ${within} ms; output:\n${log().slice(-3000)}`);
}

describe('npm start with no environment: Stripe sandbox and demo payments', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledgerline-sandbox-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a 0600 key file, runs the sandbox and pulls months of demo money owned by demo contacts', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = run({ PORT: String(port), DATA_DIR: dataDir });
    try {
      await until(
        'healthy',
        30000,
        async () => ((await fetch(`${base}/api/v1/health`)).ok ? true : undefined),
        first.out,
      );
      const key = /(ll_[A-Za-z0-9_-]{20,})/.exec(first.out())?.[1];
      expect(key).toBeDefined();
      const get = async (path: string) => {
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
        expect(res.status).toBe(200);
        return (await res.json()) as { results: Array<Record<string, unknown>> };
      };

      const keyFile = join(dataDir, 'secret.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
      expect(first.out()).toMatch(/Production deployments should set LEDGERLINE_SECRET_KEY/);

      const connections = await get('/api/v1/connections');
      expect(connections.results).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'Stripe sandbox', vendor: 'stripe' })]),
      );

      // The background pull streams every object list at once: wait until each kind has arrived.
      await until(
        'demo payouts, refunds and disputes',
        120000,
        async () => {
          for (const path of ['/api/v1/payouts', '/api/v1/refunds', '/api/v1/disputes'])
            if (!(await get(path)).results.length) return undefined;
          return true;
        },
        first.out,
      );
      const payments = (await get('/api/v1/payments?limit=100')).results;
      expect(payments.length).toBe(100);
      expect(payments.every((p) => p.processor === 'stripe')).toBe(true);
      expect(new Set(payments.map((p) => p.method))).toEqual(new Set(['card', 'ach']));
      expect((await get('/api/v1/refunds')).results.length).toBeGreaterThan(0);
      expect((await get('/api/v1/disputes')).results.length).toBeGreaterThan(0);
      expect(payments.some((p) => typeof p.contact_id === 'number')).toBe(true);

      // The list criterion on real, pulled payments: every demo contact paid recently.
      const recent = await get(
        '/api/v1/contacts?filter[payments][where][status][eq]=succeeded&filter[payments][where][paid_at][eq]=last_30_days',
      );
      const contacts = await get('/api/v1/contacts');
      expect(recent.results.length).toBe(contacts.results.length);
      expect(recent.results.length).toBeGreaterThan(0);

      const keyBefore = readFileSync(keyFile, 'utf8');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      // A restart reuses the key file (stored credentials still open) and does not seed twice.
      const second = run({ PORT: String(port), DATA_DIR: dataDir });
      try {
        await until(
          'healthy again',
          30000,
          async () => ((await fetch(`${base}/api/v1/health`)).ok ? true : undefined),
          second.out,
        );
        expect(readFileSync(keyFile, 'utf8')).toBe(keyBefore);
        expect(second.out()).not.toMatch(/generated a key file/);
        expect(second.out()).not.toMatch(/demo Stripe history generated/);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      first.child.kill('SIGKILL');
    }
  }, 240000);
});
