import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { currencyExponent } from '../../../src/billing/currency';
import { commerceGenerator } from '../../../src/seed/generators/commerce.generator';
import { WarehouseLoader } from '../../../warehouse/loader';
import { startTestService, TestService } from '../../support/service';

/**
 * The whole dashboards path once, for real: deterministic seed → warehouse load → ONE Evidence
 * build started by the service (POST /api/v1/dashboards/rebuild runs scripts/reports-build.js in
 * the background) → site served at /dashboards → Debian Chromium signs in, opens every page with
 * the same parameters as a reports API call, and checks charts rendered and the key figures equal
 * the API's. Screenshots go to artifacts/dashboards/. No request may leave 127.0.0.1.
 */
const ARTIFACTS = resolve(__dirname, '../../../artifacts/dashboards');
const AS_OF = '2026-06-30';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Row = Record<string, any>;
const sum = (rows: Row[], col: string) => rows.reduce((s, r) => s + Number(r[col] ?? 0), 0);

/** Key figure → expected value: a string, or a number in minor units with the currency's exponent. */
type Expected = Record<string, string | { value: number; exponent?: number }>;

/** "1,234.56" (major units as the page formats them) → 123456 with exponent 2. */
function numberOf(text: string | undefined, exponent = 0): number {
  const n = Number((text ?? '').replace(/,/g, ''));
  return Number.isFinite(n) && text ? Math.round(n * 10 ** exponent) : NaN;
}
function shown(figures: Record<string, string>, expected: Expected) {
  return Object.fromEntries(
    Object.entries(expected).map(([k, e]) => [
      k,
      typeof e === 'string' ? figures[k] : numberOf(figures[k], e.exponent),
    ]),
  );
}
const wanted = (expected: Expected) =>
  Object.fromEntries(Object.entries(expected).map(([k, e]) => [k, typeof e === 'string' ? e : e.value]));
const matches = (figures: Record<string, string>, expected: Expected) =>
  JSON.stringify(shown(figures, expected)) === JSON.stringify(wanted(expected));
const money = (value: number, currency: string) => ({ value, exponent: currencyExponent(currency) });
const count = (value: number) => ({ value });

/**
 * One QuickBooks connection that has linked a few invoices, with the vendor mirror: one match, one
 * amount mismatch, one link without a vendor record, one pending link; the rest are not linked.
 */
async function syncFixture(svc: TestService) {
  const [conn] = await svc
    .db('connections')
    .insert({ name: 'QuickBooks (e2e)', vendor: 'quickbooks' })
    .returning('id');
  const invoices = await svc.db('invoices').whereNot('status', 'draft').orderBy('id').limit(4);
  const [a, b, c, d] = invoices;
  await svc.db('external_links').insert([
    { connection_id: conn.id, object: 'invoice', local_id: a.id, external_id: 'qb-1', state: 'linked' },
    { connection_id: conn.id, object: 'invoice', local_id: b.id, external_id: 'qb-2', state: 'linked' },
    { connection_id: conn.id, object: 'invoice', local_id: c.id, external_id: 'qb-3', state: 'linked' },
    { connection_id: conn.id, object: 'invoice', local_id: d.id, state: 'pending' },
  ]);
  await svc.db('external_records').insert([
    {
      connection_id: conn.id,
      object: 'invoice',
      external_id: 'qb-1',
      amount_minor: a.total_minor,
      currency: a.currency,
    },
    {
      connection_id: conn.id,
      object: 'invoice',
      external_id: 'qb-2',
      amount_minor: Number(b.total_minor) + 1,
      currency: b.currency,
    },
  ]);
}

describe('Evidence dashboards in Chromium', () => {
  let svc: TestService;
  let dir: string;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const outside: string[] = [];
  const pageErrors: string[] = [];
  let buildMs = 0;

  async function api(name: string, query: string): Promise<{ rows: Row[]; as_of: string }> {
    const res = await svc.request('GET', `/api/v1/reports/${name}?${query}`, { role: 'analyst' });
    expect(res.status).toBe(200);
    return res.body;
  }

  /**
   * Opens a dashboard page and waits until every expected key figure shows the expected value
   * (pages first show their prerendered defaults, then re-query for the URL's filters) and the
   * charts have drawn; saves a screenshot, then asserts the figures.
   */
  async function open(path: string, shot: string, minCharts: number, expected: Expected) {
    pageErrors.length = 0;
    await page.goto(`${base}/dashboards/${path}`, { waitUntil: 'networkidle' });
    // ECharts draws into a canvas inside each chart container once its data arrived.
    await page.waitForFunction(
      (n) => document.querySelectorAll('[_echarts_instance_] canvas').length >= n,
      minCharts,
      { timeout: 30_000 },
    );
    const read = () =>
      page.$$eval('[data-figure]', (els) =>
        Object.fromEntries(els.map((e) => [e.getAttribute('data-figure'), (e.textContent ?? '').trim()])),
      ) as Promise<Record<string, string>>;
    let figures = await read();
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && !matches(figures, expected);) {
      await page.waitForTimeout(250);
      figures = await read();
    }
    await page.waitForTimeout(500); // let chart animations settle for the screenshot
    await page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
    const errors = await page.$$eval('body', (b) =>
      Array.from(b[0].querySelectorAll('*'))
        .filter(
          (e) =>
            /Error in Query|Binder Error|Catalog Error/.test(e.textContent ?? '') && e.children.length === 0,
        )
        .map((e) => e.textContent),
    );
    expect(errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(shown(figures, expected)).toEqual(wanted(expected));
    return figures;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'll-dash-e2e-'));
    process.env.DASHBOARDS_DIR = join(dir, 'dashboards');
    const warehouse = join(dir, 'warehouse.duckdb');
    svc = await startTestService({ env: { WAREHOUSE_PATH: warehouse, DATA_DIR: dir } });
    await commerceGenerator.run({
      db: svc.db,
      log: pino({ level: 'silent' }),
      profile: 'demo',
      scale: 0.25,
      seed: 7,
    });
    await syncFixture(svc);
    await new WarehouseLoader({ db: svc.db, path: warehouse, asOf: AS_OF }).run('full');

    // The one Evidence build of this test, through the service's background rebuild.
    const t0 = Date.now();
    expect((await svc.request('POST', '/api/v1/dashboards/rebuild', { role: 'finance' })).status).toBe(202);
    let status: any;
    while (Date.now() - t0 < 9 * 60_000) {
      status = (await svc.request('GET', '/api/v1/dashboards/status', { role: 'analyst' })).body;
      if (!status.building) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    buildMs = Date.now() - t0;
    if (!status.last_build?.ok) throw new Error(`dashboards build failed:\n${status.last_build?.error}`);
    expect(status.up_to_date).toBe(true);
    console.log(`dashboards build: ${buildMs} ms (script: ${JSON.stringify(status.site)})`);

    await svc.app.listen(0, '127.0.0.1');
    const { port } = svc.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({
      viewport: { width: 1280, height: 1400 },
      timezoneId: 'UTC',
      locale: 'en-US',
    });
    // Record and block anything that is not this service on 127.0.0.1.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`)) return route.continue();
      outside.push(url);
      return route.abort();
    });
    context.on('request', (req) => {
      if (!req.url().startsWith(`${base}/`) && !outside.includes(req.url())) outside.push(req.url());
    });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 10 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    delete process.env.DASHBOARDS_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it('built the site in one background build', () => {
    expect(buildMs).toBeGreaterThan(0);
  });

  it('signs in with an analyst key and lands on the page asked for', async () => {
    await page.goto(`${base}/dashboards/revenue`);
    expect(page.url()).toBe(`${base}/dashboards/login?next=%2Fdashboards%2Frevenue`);
    await page.fill('#key', 'wrong-key');
    await page.click('button[type=submit]');
    await page.waitForSelector('#error:has-text("unknown or revoked")');
    await page.fill('#key', svc.keys.analyst);
    await Promise.all([page.waitForURL(`${base}/dashboards/revenue`), page.click('button[type=submit]')]);
  });

  it('home: as-of date and links to every page', async () => {
    await open('', 'home', 0, { as_of: AS_OF, reporting_currency: 'USD' });
    const links = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
    for (const p of ['revenue', 'mrr', 'cohorts', 'payments', 'ar-aging', 'payouts', 'health']) {
      expect(links).toContain(`/dashboards/${p}`);
    }
  });

  it('revenue equals GET /api/v1/reports/revenue for the same parameters', async () => {
    const q = 'from=2025-01&to=2025-12&currency=EUR&segment=enterprise';
    const { rows } = await api('revenue', q);
    expect(rows.length).toBeGreaterThan(0);
    await open(`revenue?${q}`, 'revenue', 2, {
      billed: money(sum(rows, 'billed_minor'), 'EUR'),
      collected: money(sum(rows, 'collected_minor'), 'EUR'),
      refunded: money(sum(rows, 'refunded_minor'), 'EUR'),
      net: money(sum(rows, 'net_minor'), 'EUR'),
    });
  });

  it('MRR and movements equal GET /api/v1/reports/mrr', async () => {
    const q = 'from=2024-07&to=2025-06&currency=GBP';
    const { rows } = await api('mrr', q);
    const last = rows[rows.length - 1];
    await open(`mrr?${q}`, 'mrr', 4, {
      ending_mrr: money(Number(last.mrr_minor), 'GBP'),
      ending_arr: money(Number(last.arr_minor), 'GBP'),
      net_new: money(sum(rows, 'net_new_minor'), 'GBP'),
      new_mrr: money(sum(rows, 'new_minor'), 'GBP'),
      churned_mrr: money(sum(rows, 'churn_minor'), 'GBP'),
      customers: count(Number(last.customers)),
    });
  });

  it('cohorts heatmap covers GET /api/v1/reports/cohorts', async () => {
    const q = 'from=2024-01&to=2025-06&currency=USD';
    const { rows } = await api('cohorts', q);
    await open(`cohorts?${q}`, 'cohorts', 2, {
      cohorts: count(new Set(rows.map((r) => r.cohort_month)).size),
      customers: count(
        sum(
          rows.filter((r) => Number(r.months_since) === 0),
          'cohort_customers',
        ),
      ),
      active_after_12: count(
        sum(
          rows.filter((r) => Number(r.months_since) === 12),
          'active_customers',
        ),
      ),
    });
  });

  it('payment segmentation equals GET /api/v1/reports/payment_segments', async () => {
    const q = 'from=2025-01&to=2026-06&currency=JPY&method=card';
    const { rows } = await api('payment_segments', q);
    await open(`payments?${q}`, 'payments', 2, {
      attempts: count(sum(rows, 'attempts')),
      succeeded: count(sum(rows, 'succeeded')),
      failed: count(sum(rows, 'failed')),
      volume: money(sum(rows, 'volume_minor'), 'JPY'),
      fees: money(sum(rows, 'fees_minor'), 'JPY'),
    });
  });

  it('AR aging equals GET /api/v1/reports/ar_aging', async () => {
    const q = 'currency=EUR&segment=smb';
    const { rows } = await api('ar_aging', q);
    expect(rows.length).toBeGreaterThan(0);
    await open(`ar-aging?${q}`, 'ar-aging', 2, {
      open_total: money(sum(rows, 'open_minor'), 'EUR'),
      past_due: money(
        sum(
          rows.filter((r) => r.bucket !== 'current'),
          'open_minor',
        ),
        'EUR',
      ),
      invoices: count(sum(rows, 'invoices')),
    });
  });

  it('payouts: volume and fees equal the payment segments, payouts the payout composition', async () => {
    const q = 'from=2025-07&to=2026-06&currency=USD';
    const { rows } = await api('payment_segments', q);
    const payouts = await api('payout_composition', q);
    await open(`payouts?${q}`, 'payouts', 2, {
      volume: money(sum(rows, 'volume_minor'), 'USD'),
      fees: money(sum(rows, 'fees_minor'), 'USD'),
      net_settled: money(sum(rows, 'volume_minor') - sum(rows, 'fees_minor'), 'USD'),
      paid_out: money(sum(payouts.rows, 'net_report_minor'), 'USD'),
    });
  });

  it('sync and reconciliation health equals GET /api/v1/reports/reconciliation and sync_status', async () => {
    const recon = (await api('reconciliation', '')).rows;
    const status = (await api('sync_status', '')).rows;
    // The fixture: one matched, one amount mismatch, one missing on the vendor side.
    expect(recon.filter((r) => r.reason === 'matched')).toHaveLength(1);
    expect(recon.filter((r) => r.reason === 'amount')).toHaveLength(1);
    expect(recon.filter((r) => r.reason === 'missing_external')).toHaveLength(1);
    const missing = await svc.request('POST', '/api/v1/reports/sql', {
      role: 'analyst',
      body: { sql: 'SELECT count(*) AS n FROM dq_missing_fx' },
    });
    expect(missing.status).toBe(200);
    await open('health', 'health', 3, {
      connections: count(new Set(status.map((r) => r.connection_id)).size),
      reconciled: count(recon.length),
      matched: count(recon.filter((r) => r.reason === 'matched').length),
      mismatched: count(recon.filter((r) => r.reason !== 'matched').length),
      checks: count(6),
      failing: count(Number(missing.body.rows[0].n) > 0 ? 1 : 0),
    });
    // The tables list the connection and each check (Evidence renders a print copy too: count).
    expect(await page.locator('td', { hasText: 'QuickBooks (e2e)' }).count()).toBeGreaterThan(0);
    expect(
      await page.locator('td', { hasText: 'payments not linked to an invoice' }).count(),
    ).toBeGreaterThan(0);
  });

  it('sent no request beyond 127.0.0.1', () => {
    expect(outside).toEqual([]);
  });
});
