import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DashboardsBuilder } from '../../../src/dashboards/dashboards.builder';
import { startTestService, TestService } from '../../support/service';

/**
 * /dashboards in the service: sign-in and session cookie, the "being built" page, background
 * rebuild (single flight, failure, change detection) and static serving. The build command is a
 * small stand-in (fake-build.js) with the real script's arguments and publish layout; the real
 * Evidence build runs once, in test/e2e/dashboards.
 */
const ENV_KEYS = [
  'DASHBOARDS_DIR',
  'DASHBOARDS_BUILD_COMMAND',
  'DASHBOARDS_AUTH',
  'DASHBOARDS_MIN_INTERVAL_SECONDS',
];

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(dir: string, env: Record<string, string> = {}) {
  process.env.DASHBOARDS_DIR = join(dir, 'dashboards');
  process.env.DASHBOARDS_BUILD_COMMAND = JSON.stringify([process.execPath, join(__dirname, 'fake-build.js')]);
  process.env.DASHBOARDS_MIN_INTERVAL_SECONDS = '0';
  Object.assign(process.env, env);
  return startTestService({ env: { WAREHOUSE_PATH: join(dir, 'warehouse.duckdb'), DATA_DIR: dir } });
}

describe('dashboards served by the service', () => {
  let svc: TestService;
  let dir: string;
  const warehouse = () => join(dir, 'warehouse.duckdb');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'll-dash-'));
    svc = await start(dir);
  });
  afterAll(async () => {
    await svc?.close();
    for (const k of ENV_KEYS) delete process.env[k];
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a browser without a session to the sign-in page, and refuses wrong keys', async () => {
    const anon = await svc.request('GET', '/dashboards/revenue?currency=EUR', { role: null });
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/dashboards/login?next=%2Fdashboards%2Frevenue%3Fcurrency%3DEUR');
    const login = await svc.request('GET', '/dashboards/login?next=/dashboards/revenue', { role: null });
    expect(login.status).toBe(200);
    expect(login.body).toContain('"/dashboards/revenue"');
    // An open redirect is not possible through `next`.
    expect(
      (await svc.request('GET', '/dashboards/login?next=//evil.example', { role: null })).body,
    ).toContain('location.assign("/dashboards/")');
    expect((await svc.request('GET', '/dashboards', { role: 'viewer' })).status).toBe(403);
    const bad = await svc.request('GET', '/dashboards', {
      role: null,
      headers: { authorization: 'Bearer nope' },
    });
    expect(bad.status).toBe(401);
  });

  it('shows a plain "being built" page before the first build, and refuses a rebuild without a warehouse', async () => {
    const res = await svc.request('GET', '/dashboards', { role: 'analyst' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('15');
    expect(res.body).toContain('Dashboards are being built');
    expect(res.body).toContain('once the warehouse exists');
    const status = await svc.request('GET', '/api/v1/dashboards/status', { role: 'analyst' });
    expect(status.body).toMatchObject({ site: null, warehouse_present: false, building: null, auth: 'key' });
    expect((await svc.request('POST', '/api/v1/dashboards/rebuild', { role: 'analyst' })).status).toBe(403);
    const refused = await svc.request('POST', '/api/v1/dashboards/rebuild', { role: 'finance' });
    expect(refused.status).toBe(409);
  });

  it('keeps the "being built" page with the error when a build fails, and retries only on change', async () => {
    writeFileSync(warehouse(), 'v1');
    writeFileSync(join(dir, 'FAIL'), '');
    const builder = svc.app.get(DashboardsBuilder);
    const outcome = await builder.check();
    expect(outcome).toMatchObject({ ok: false, exit_code: 2 });
    expect(outcome!.error).toContain('fake build: boom');
    // Same warehouse, failed recently: no new attempt.
    expect(builder.check()).toBeNull();
    const res = await svc.request('GET', '/dashboards', { role: 'analyst' });
    expect(res.status).toBe(503);
    expect(res.body).toContain('The last build failed');
    expect(res.body).toContain('fake build: boom');
    rmSync(join(dir, 'FAIL'));
  });

  it('rebuilds on request in the background, one build at a time', async () => {
    const started = await svc.request('POST', '/api/v1/dashboards/rebuild', { role: 'finance' });
    expect(started.status).toBe(202);
    const again = await svc.request('POST', '/api/v1/dashboards/rebuild', { role: 'admin' });
    expect(again.status).toBe(409);
    const status = await until(async () => {
      const s = (await svc.request('GET', '/api/v1/dashboards/status', { role: 'analyst' })).body;
      return s.building === null ? s : undefined;
    });
    expect(status.last_build).toMatchObject({ ok: true, reason: 'requested', exit_code: 0 });
    expect(status.up_to_date).toBe(true);
    expect(status.site.warehouse.path).toBe(warehouse());
  });

  it('serves the site to a signed-in browser through a session cookie', async () => {
    expect((await svc.request('POST', '/dashboards/login', { role: null, body: {} })).status).toBe(400);
    expect(
      (await svc.request('POST', '/dashboards/login', { role: null, body: { key: svc.keys.viewer } })).status,
    ).toBe(403);
    expect(
      (await svc.request('POST', '/dashboards/login', { role: null, body: { key: 'll_nope' } })).status,
    ).toBe(401);
    const signIn = await svc.request('POST', '/dashboards/login', {
      role: null,
      body: { key: svc.keys.analyst },
    });
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ signed_in: true, role: 'analyst' });
    const setCookie = String(signIn.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^ll_dashboards=v1\.\d+\.\d+\.[\w-]{43}; Path=\/dashboards; HttpOnly; SameSite=Lax; Max-Age=43200$/,
    );
    const cookie = setCookie.split(';')[0];
    const page = await svc.request('GET', '/dashboards/revenue', { role: null, headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>revenue</title>');
    const tampered = cookie.replace(/\.(\d+)\./, (_m, id) => `.${Number(id) + 1}.`);
    expect(
      (await svc.request('GET', '/dashboards', { role: null, headers: { cookie: tampered } })).status,
    ).toBe(303);
    const out = await svc.request('POST', '/dashboards/logout', { role: null, headers: { cookie } });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('serves files safely: index, ranges, etags, immutable assets, nothing outside the site', async () => {
    const home = await svc.request('GET', '/dashboards/', { role: 'analyst' });
    expect(home.status).toBe(200);
    expect(home.body).toContain('<title>home</title>');
    const asset = await svc.request('GET', '/dashboards/_app/immutable/app.abc123.js', { role: 'analyst' });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    const again = await svc.request('GET', '/dashboards/_app/immutable/app.abc123.js', {
      role: 'analyst',
      headers: { 'if-none-match': asset.headers.etag },
    });
    expect(again.status).toBe(304);
    const part = await svc.request('GET', '/dashboards/data/x.parquet', {
      role: 'analyst',
      headers: { range: 'bytes=10-19' },
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 10-19/256');
    expect(Buffer.from(part.body, 'latin1')).toEqual(Buffer.from([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]));
    const bad = await svc.request('GET', '/dashboards/data/x.parquet', {
      role: 'analyst',
      headers: { range: 'bytes=300-' },
    });
    expect(bad.status).toBe(416);
    for (const path of [
      '/dashboards/..%2F..%2Fwarehouse.duckdb',
      '/dashboards/ledgerline-build.json',
      '/dashboards/nope',
    ]) {
      expect((await svc.request('GET', path, { role: 'analyst' })).status).toBe(404);
    }
  });

  it('rebuilds when the warehouse file changed, and not when it did not', async () => {
    const builder = svc.app.get(DashboardsBuilder);
    expect(builder.check()).toBeNull();
    writeFileSync(warehouse(), 'v2 (a new load)');
    const later = new Date(Date.now() + 5_000);
    utimesSync(warehouse(), later, later);
    const outcome = await builder.check();
    expect(outcome).toMatchObject({ ok: true, reason: 'warehouse changed' });
    const home = await svc.request('GET', '/dashboards/', { role: 'analyst' });
    expect(home.body).toContain(builder.status().site!.warehouse.key);
    expect(builder.status().up_to_date).toBe(true);
  });

  it('waits DASHBOARDS_MIN_INTERVAL_SECONDS between background builds', async () => {
    const builder = svc.app.get(DashboardsBuilder);
    (builder as any).config.minIntervalMs = 60_000;
    try {
      writeFileSync(warehouse(), 'v3 (another load)');
      const later = new Date(Date.now() + 10_000);
      utimesSync(warehouse(), later, later);
      expect(builder.check()).toBeNull();
      expect(builder.status().up_to_date).toBe(false);
    } finally {
      (builder as any).config.minIntervalMs = 0;
    }
    expect(await builder.check()).toMatchObject({ ok: true });
  });
});

describe('dashboards with DASHBOARDS_AUTH=none', () => {
  it('needs no sign-in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll-dash-open-'));
    const svc = await start(dir, { DASHBOARDS_AUTH: 'none' });
    try {
      const res = await svc.request('GET', '/dashboards', { role: null });
      expect(res.status).toBe(503);
      expect(res.body).toContain('Dashboards are being built');
    } finally {
      await svc.close();
      for (const k of ENV_KEYS) delete process.env[k];
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('background rebuild schedule', () => {
  it('never builds on the start path, then builds by itself seconds after start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'll-dash-sched-'));
    writeFileSync(join(dir, 'warehouse.duckdb'), 'present');
    const builder = new DashboardsBuilder(
      {
        auth: 'key',
        dir: join(dir, 'dashboards'),
        warehousePath: join(dir, 'warehouse.duckdb'),
        rebuild: true,
        pollMs: 60_000,
        minIntervalMs: 0,
        sessionMs: 3_600_000,
        buildCommand: [process.execPath, join(__dirname, 'fake-build.js')],
        projectRoot: dir,
      },
      true,
      pino({ level: 'silent' }),
    );
    try {
      builder.onApplicationBootstrap();
      expect(builder.status()).toMatchObject({ building: null, background_rebuild: true, site: null });
      await new Promise((r) => setTimeout(r, 1000));
      expect(builder.status().building).toBeNull();
      // …and then builds on its own, because the warehouse differs from (no) published site.
      const status = await until(() => (builder.status().last_build ? builder.status() : undefined), 15_000);
      expect(status).toMatchObject({
        up_to_date: true,
        last_build: { ok: true, reason: 'warehouse changed' },
      });
    } finally {
      await builder.onModuleDestroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
