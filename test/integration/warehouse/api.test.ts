import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { WarehouseLoader } from '../../../warehouse/loader';
import { startTestService, TestService } from '../../support/service';
import { AS_OF, loadFixture } from './fixture';
import { query } from './helpers';

describe('reports API and analyst SQL', () => {
  let svc: TestService;
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wh-api-'));
    path = join(dir, 'warehouse.duckdb');
    svc = await startTestService({ env: { WAREHOUSE_PATH: path, DATA_DIR: dir } });
    await loadFixture(svc.db);
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 409 problem+json before the first build', async () => {
    const res = await svc.request('GET', '/api/v1/reports/mrr');
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('refreshes on demand in the background and reports progress and runs', async () => {
    expect(
      (await svc.request('POST', '/api/v1/warehouse/refresh', { body: { kind: 'full' }, role: 'analyst' }))
        .status,
    ).toBe(403);
    expect(
      (await svc.request('POST', '/api/v1/warehouse/refresh', { body: { kind: 'sideways' } })).status,
    ).toBe(400);
    const res = await svc.request('POST', '/api/v1/warehouse/refresh', { body: { kind: 'full' } });
    expect(res.status).toBe(202);
    const busy = await svc.request('POST', '/api/v1/warehouse/refresh', { body: { kind: 'incremental' } });
    expect(busy.status).toBe(409);
    let status: any;
    for (let i = 0; i < 1200; i++) {
      status = (await svc.request('GET', '/api/v1/warehouse/status', { role: 'analyst' })).body;
      if (!status.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.running).toBeNull();
    expect(status.published.bytes).toBeGreaterThan(0);
    expect(status.runs[0]).toMatchObject({
      id: res.body.run_id,
      kind: 'full',
      status: 'succeeded',
      phase: 'done',
    });
    expect(status.runs[0].rows.extracted).toMatchObject({ companies: 12, payments: 5 });
    // Rebuild as of the fixture's date for the deterministic figures below (same file, swapped in).
    await new WarehouseLoader({ db: svc.db, path, asOf: AS_OF }).run('full');
  });

  it('reads and changes metric settings (admin only, validated, partial)', async () => {
    const get = await svc.request('GET', '/api/v1/warehouse/settings', { role: 'analyst' });
    expect(get.body).toMatchObject({ reporting_currency: 'USD', reactivation_window_months: 12 });
    expect(
      (
        await svc.request('PUT', '/api/v1/warehouse/settings', {
          body: { reactivation_window_months: 3 },
          role: 'finance',
        })
      ).status,
    ).toBe(403);
    const bad = await svc.request('PUT', '/api/v1/warehouse/settings', {
      body: { reactivation_window_months: -1, colour: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(
      expect.arrayContaining(['reactivation_window_months', 'colour']),
    );
    const ok = await svc.request('PUT', '/api/v1/warehouse/settings', {
      body: { reactivation_window_months: 3, reporting_currency: 'EUR' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      reactivation_window_months: 3,
      reporting_currency: 'EUR',
      size_band_large_from: 1000,
    });
    const back = await svc.request('PUT', '/api/v1/warehouse/settings', {
      body: { reporting_currency: 'USD' },
    });
    expect(back.body).toMatchObject({ reactivation_window_months: 3, reporting_currency: 'USD' });
    await svc.request('PUT', '/api/v1/warehouse/settings', { body: { reactivation_window_months: 12 } });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await svc.request('GET', '/api/docs.json', { role: null });
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/reports',
        '/api/v1/reports/{name}',
        '/api/v1/reports/sql',
        '/api/v1/warehouse/refresh',
        '/api/v1/warehouse/status',
      ]),
    );
  });

  it('lists reports with their parameters', async () => {
    const res = await svc.request('GET', '/api/v1/reports', { role: 'analyst' });
    expect(res.status).toBe(200);
    const names = res.body.results.map((r: any) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'revenue',
        'mrr',
        'retention',
        'cohorts',
        'payment_segments',
        'ar_aging',
        'dso',
        'payout_composition',
      ]),
    );
    expect(res.body.results.find((r: any) => r.name === 'mrr').parameters.map((p: any) => p.name)).toEqual([
      'from',
      'to',
      'currency',
    ]);
    expect((await svc.request('GET', '/api/v1/reports', { role: 'viewer' })).status).toBe(403);
  });

  it('serves a report in the reporting currency and converted through the rates table', async () => {
    const usd = await svc.request('GET', '/api/v1/reports/mrr?from=2025-01&to=2025-02-01', {
      role: 'analyst',
    });
    expect(usd.status).toBe(200);
    expect(usd.body).toMatchObject({ report: 'mrr', currency: 'USD', as_of: AS_OF });
    const two = await svc.request('GET', '/api/v1/reports/mrr?limit=2', { role: 'analyst' });
    expect(two.body.rows.map((r: any) => r.month)).toEqual(['2024-01-01', '2024-02-01']);
    // Paging: a full page says where the next starts; the next page continues the report order.
    expect(two.body.next_offset).toBe(2);
    const next = await svc.request('GET', '/api/v1/reports/mrr?limit=2&offset=2', { role: 'analyst' });
    expect(next.body.rows.map((r: any) => r.month)).toEqual(['2024-03-01', '2024-04-01']);
    expect(next.body.parameters).toMatchObject({ limit: 2, offset: 2 });
    expect(usd.body.next_offset).toBeNull();
    expect(usd.body.rows.map((r: any) => [r.month, r.mrr_minor])).toEqual([
      ['2025-01-01', 95333],
      ['2025-02-01', 97333],
    ]);
    // EUR at 1.25 USD: 973.33 / 1.25 = 778.664 → 778.66; JPY at 0.007: 973.33 / 0.007 = ¥139,047.14 → ¥139,047
    const eur = await svc.request('GET', '/api/v1/reports/mrr?from=2025-02&to=2025-02&currency=eur', {
      role: 'analyst',
    });
    expect(eur.body.rows[0]).toMatchObject({ mrr_minor: 77866, arr_minor: 934397, currency: 'EUR' });
    const jpy = await svc.request('GET', '/api/v1/reports/mrr?from=2025-02&to=2025-02&currency=JPY', {
      role: 'analyst',
    });
    expect(jpy.body.rows[0]).toMatchObject({ mrr_minor: 139047, currency: 'JPY' });
    const rev = await svc.request(
      'GET',
      '/api/v1/reports/revenue?from=2024-03&to=2024-03&segment=mid_market',
      { role: 'finance' },
    );
    expect(rev.body.rows).toEqual([
      expect.objectContaining({
        product_name: 'Pro plan',
        billed_minor: 10500,
        collected_minor: 10500,
        net_minor: 10500,
      }),
    ]);
  });

  it('serves reports without money columns (no currency parameter)', async () => {
    const res = await svc.request('GET', '/api/v1/reports/reconciliation?reason=amount', { role: 'analyst' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ report: 'reconciliation', currency: null, rows: [] });
    expect(
      (await svc.request('GET', '/api/v1/reports/sync_status?currency=EUR', { role: 'analyst' })).status,
    ).toBe(400);
  });

  it('exports CSV, Arrow IPC and Parquet with the same rows', async () => {
    const url = '/api/v1/reports/mrr?from=2024-01&to=2024-12';
    const csv = await svc.request('GET', `${url}&format=csv`, { role: 'analyst' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0].split(',')).toEqual(
      expect.arrayContaining(['month', 'mrr_minor', 'new_minor', 'currency']),
    );
    expect(lines).toHaveLength(13);
    expect(lines[1]).toMatch(/^2024-01-01,30000,/);

    const fastify = svc.app.getHttpAdapter().getInstance();
    const arrow = await fastify.inject({
      method: 'GET',
      url: `${url}&format=arrow`,
      headers: { authorization: `Bearer ${svc.keys.analyst}` },
    });
    expect(arrow.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(arrow.rawPayload);
    expect(table.numRows).toBe(12);
    expect(table.getChild('mrr_minor')!.get(0)).toBe(30000n);

    const pq = await fastify.inject({
      method: 'GET',
      url: `${url}&format=parquet`,
      headers: { authorization: `Bearer ${svc.keys.analyst}` },
    });
    expect(pq.rawPayload.subarray(0, 4).toString()).toBe('PAR1');
    const file = join(dir, 'mrr.parquet');
    writeFileSync(file, pq.rawPayload);
    const rows = await query(path, `SELECT count(*) AS n, sum(mrr_minor) AS s FROM read_parquet('${file}')`);
    expect(rows[0]).toEqual({
      n: 12,
      s: 30000 + 52000 + 73333 + 72333 + 79333 + 84333 + 90333 * 2 + 95333 * 4,
    });
  });

  it('exports every mart to Parquet partitioned by month', async () => {
    const res = await svc.request('POST', '/api/v1/warehouse/export', {
      body: { marts: ['mart_mrr_monthly', 'mart_ar_aging'] },
    });
    expect(res.status).toBe(201);
    const parts = readdirSync(join(res.body.directory, 'mart_mrr_monthly'));
    expect(parts).toHaveLength(14);
    expect(parts).toContain('month=2024-01-01');
    expect(readdirSync(join(res.body.directory, 'mart_ar_aging'))).toEqual(['data.parquet']);
  });

  it.each([
    ['/api/v1/reports/nope', 404, undefined],
    ['/api/v1/reports/mrr?from=2025-13', 400, 'from'],
    ['/api/v1/reports/mrr?from=2025-02-30', 400, 'from'],
    ['/api/v1/reports/mrr?from=2025-03&to=2025-01', 400, 'from'],
    ['/api/v1/reports/mrr?currency=XYZ', 400, 'currency'],
    ['/api/v1/reports/mrr?currency=GBP', 400, 'currency'], // real currency, no rates
    ['/api/v1/reports/mrr?format=xml', 400, 'format'],
    ['/api/v1/reports/mrr?colour=blue', 400, 'colour'],
    ['/api/v1/reports/revenue?product_id=abc', 400, 'product_id'],
    ['/api/v1/reports/revenue?segment=huge', 400, 'segment'],
    ['/api/v1/reports/mrr?limit=0', 400, 'limit'],
    ['/api/v1/reports/mrr?offset=-1', 400, 'offset'],
  ])('GET %s → %i problem naming the field', async (url, status, field) => {
    const res = await svc.request('GET', url, { role: 'analyst' });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    if (field) expect(res.body.errors.map((e: any) => e.field)).toContain(field);
  });

  describe('POST /api/v1/reports/sql', () => {
    const sql = (body: unknown, role: 'analyst' | 'viewer' | 'admin' = 'analyst') =>
      svc.request('POST', '/api/v1/reports/sql', { body, role });

    it('runs one SELECT for the analyst role, capped in rows', async () => {
      const ok = await sql({ sql: 'SELECT month, mrr_minor FROM mart_mrr_monthly ORDER BY month LIMIT 2' });
      expect(ok.status).toBe(200);
      expect(ok.body.rows).toEqual([
        { month: '2024-01-01', mrr_minor: 30000 },
        { month: '2024-02-01', mrr_minor: 52000 },
      ]);
      expect(ok.body.truncated).toBe(false);
      const capped = await sql({ sql: 'SELECT * FROM range(100000)', max_rows: 10 });
      expect(capped.body.rows).toHaveLength(10);
      expect(capped.body.truncated).toBe(true);
      expect((await sql({ sql: 'SELECT 1' }, 'viewer')).status).toBe(403);
    });

    it.each([
      ["SELECT * FROM read_csv('/etc/passwd')"],
      ["SELECT * FROM read_text('/etc/passwd')"],
      ["COPY mart_mrr_monthly TO '/tmp/ll-leak.csv'"],
      ["ATTACH '/tmp/ll-other.duckdb' AS other"],
      ['INSTALL httpfs'],
      ['LOAD httpfs'],
      ["INSERT INTO mart_mrr_monthly (month) VALUES (DATE '2030-01-01')"],
      ['UPDATE mart_mrr_monthly SET mrr_minor = 0'],
      ['DELETE FROM raw_invoices'],
      ['DROP TABLE mart_mrr_monthly'],
      ['CREATE TABLE x AS SELECT 1'],
      ['SET enable_external_access = true'],
      ['SELECT 1; SELECT 2'],
      ['SELECT * FROM no_such_table'],
      ['SELEC nonsense'],
    ])('refuses %s with a 4xx problem', async (statement) => {
      const res = await sql({ sql: statement });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('blocks file access inside an otherwise valid SELECT (the instance itself is locked down)', async () => {
      const res = await sql({ sql: "SELECT * FROM read_csv('/etc/passwd')" });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.errors)).toMatch(/file system operations are disabled|Permission/i);
      const set = await sql({ sql: "SELECT current_setting('enable_external_access') AS v" });
      expect(set.body.rows).toEqual([{ v: false }]);
    });

    it('stops a runaway query cleanly at the time limit', async () => {
      const t0 = Date.now();
      const res = await sql({ sql: 'SELECT count(*) FROM range(100000000000) a', timeout_ms: 300 });
      expect(res.status).toBe(422);
      expect(res.body.type).toMatch(/query-timeout/);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await sql({ sql: 'SELECT 1 AS one' })).body.rows).toEqual([{ one: 1 }]);
    });

    it('rejects bad bodies and leaves the warehouse unchanged', async () => {
      expect((await sql({})).status).toBe(400);
      expect((await sql({ sql: 'SELECT 1', max_rows: 10_000_000 })).status).toBe(400);
      expect((await sql({ sql: 'SELECT 1', extra: true })).status).toBe(400);
      const rows = await query(path, `SELECT count(*) AS n, sum(mrr_minor) AS s FROM mart_mrr_monthly`);
      expect(rows[0]).toEqual({
        n: 14,
        s: 30000 + 52000 + 73333 + 72333 + 79333 + 84333 + 90333 * 2 + 95333 * 5 + 97333,
      });
    });
  });
});
