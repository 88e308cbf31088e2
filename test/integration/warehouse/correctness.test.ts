import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarehouseLoader } from '../../../warehouse/loader';
import { DEFAULT_SETTINGS } from '../../../warehouse/settings';
import { createTestDatabase, TestDatabase } from '../../support/db';
import { AS_OF, loadFixture } from './fixture';
import { query } from './helpers';

// Every expected number below was worked out by hand from the fixture's comments (fixture.ts),
// not from the models: USD cents, JPY at 0.007 USD, weekly = ×52/12, annual /12, 3-year /36.
describe('warehouse marts on the hand-computed fixture', () => {
  let tdb: TestDatabase;
  let dir: string;
  let path: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadFixture(tdb.db);
    dir = mkdtempSync(join(tmpdir(), 'wh-fixture-'));
    path = join(dir, 'warehouse.duckdb');
    await new WarehouseLoader({ db: tdb.db, path, asOf: AS_OF }).run('full');
  });
  afterAll(async () => {
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('MRR and its movements per month', async () => {
    const rows = await query(
      path,
      `SELECT strftime(month, '%Y-%m') AS m, mrr_minor, new_minor, expansion_minor, contraction_minor, churn_minor,
              reactivation_minor, net_new_minor, customers FROM mart_mrr_monthly ORDER BY month`,
    );
    const byMonth = Object.fromEntries(rows.map((r) => [r.m, r]));
    // [mrr, new, expansion, contraction, churn, reactivation, customers]
    const expected: Record<string, number[]> = {
      '2024-01': [30000, 30000, 0, 0, 0, 0, 5], // C1 100, C2 50, C4 30, C10 100 (300/qtr), C11 20
      '2024-02': [52000, 24000, 0, 0, -2000, 0, 6], // + C3 200, C5 40; C11 churns
      '2024-03': [73333, 21333, 0, 0, 0, 0, 8], // + C6 25/wk → 108.33, C9 ¥15000 → 105.00
      '2024-04': [72333, 0, 3000, 0, -4000, 0, 7], // C2 50 → 80; C5 ends Apr 20
      '2024-05': [79333, 10000, 0, 0, -3000, 0, 7], // C7 1200/yr; C4 ends May 15
      '2024-06': [84333, 10000, 0, -5000, 0, 0, 8], // C8 3600/3yr; C3 200 → 150
      '2024-07': [90333, 0, 0, 0, 0, 6000, 9], // C5 comes back at 60
      '2024-08': [90333, 0, 0, 0, 0, 0, 9],
      '2024-09': [95333, 0, 5000, 0, 0, 0, 9], // C10 adds 150/qtr
      '2024-10': [95333, 0, 0, 0, 0, 0, 9],
      '2024-11': [95333, 0, 0, 0, 0, 0, 9],
      '2024-12': [95333, 0, 0, 0, 0, 0, 9],
      '2025-01': [95333, 0, 0, 0, 0, 0, 9],
      '2025-02': [97333, 0, 0, 0, 0, 2000, 10], // C11 back after 12 months: within the window
    };
    expect(Object.keys(byMonth)).toEqual(Object.keys(expected));
    for (const [m, [mrr, nw, exp, con, churn, react, customers]] of Object.entries(expected)) {
      const r = byMonth[m];
      expect({
        m,
        mrr: r.mrr_minor,
        nw: r.new_minor,
        exp: r.expansion_minor,
        con: r.contraction_minor,
        churn: r.churn_minor,
        react: r.reactivation_minor,
        customers: r.customers,
      }).toEqual({ m, mrr, nw, exp, con, churn, react, customers });
      expect(r.net_new_minor).toBe(nw + exp + con + churn + react);
    }
    const [feb] = await query(path, `SELECT arr_minor FROM mart_mrr_monthly WHERE month = DATE '2025-02-01'`);
    expect(feb.arr_minor).toBe(97333 * 12);
  });

  it('NRR, GRR, quick ratio and cohorts', async () => {
    const [feb] = await query(
      path,
      `SELECT nrr, grr, starting_mrr_12m_minor FROM mart_retention_monthly WHERE month = DATE '2025-02-01'`,
    );
    // Feb 2024 base: C1 100, C2 50, C3 200, C4 30, C5 40, C10 100 = 520 → Feb 2025: 100, 80, 150, 0, 60, 150 = 540
    expect(feb.starting_mrr_12m_minor).toBe(52000);
    expect(feb.nrr).toBeCloseTo(54000 / 52000, 9);
    expect(feb.grr).toBeCloseTo(44000 / 52000, 9); // min(base, now): 100+50+150+0+40+100
    const qr = await query(
      path,
      `SELECT strftime(month, '%Y-%m') AS m, quick_ratio FROM mart_retention_monthly WHERE month IN (DATE '2024-04-01', DATE '2024-06-01') ORDER BY month`,
    );
    expect(qr.map((r) => r.quick_ratio)).toEqual([0.75, 2]);
    const [cohort] = await query(
      path,
      `SELECT cohort_customers, active_customers, logo_retention, mrr_minor, revenue_retention, months_since FROM mart_cohorts WHERE cohort_month = DATE '2024-01-01' AND month = DATE '2025-02-01'`,
    );
    // Jan 2024 cohort: C1, C2, C4, C10, C11 (300.00); Feb 2025: C4 gone, 100+80+150+20
    expect(cohort).toMatchObject({
      cohort_customers: 5,
      active_customers: 4,
      months_since: 13,
      mrr_minor: 35000,
    });
    expect(cohort.logo_retention).toBeCloseTo(0.8, 9);
    expect(cohort.revenue_retention).toBeCloseTo(35000 / 30000, 9);
  });

  it('revenue by month × product × segment: billed, collected, refunded, net', async () => {
    const { P1, P2 } = await (async () => {
      const rows = await query(path, `SELECT product_id, sku FROM dim_product`);
      const bySku = Object.fromEntries(rows.map((r) => [r.sku, r.product_id]));
      return { P1: bySku['W-1'], P2: bySku.PRO };
    })();
    const rows = await query(
      path,
      `SELECT strftime(month, '%Y-%m') AS m, product_id, segment, billed_minor, collected_minor, refunded_minor, net_minor
       FROM mart_revenue_monthly ORDER BY month, product_id, segment`,
    );
    const key = (r: any) =>
      `${r.m}|${r.product_id === P1 ? 'P1' : r.product_id === P2 ? 'P2' : r.product_id}|${r.segment}`;
    const got = Object.fromEntries(
      rows.map((r) => [key(r), [r.billed_minor, r.collected_minor, r.refunded_minor, r.net_minor]]),
    );
    expect(got).toEqual({
      // INV1 (paid 165.00 incl. tax): lines 100+10 tax and 50+5 tax; draft INV5 and void INV6 never count
      '2024-03|P1|unknown': [10000, 11000, 0, 11000],
      '2024-03|P2|unknown': [5000, 5500, 0, 5500],
      // INV4 ¥15000 at 0.007 → 105.00 (C9 is mid_market: ¥2bn revenue ≈ $14M)
      '2024-03|P2|mid_market': [10500, 10500, 0, 10500],
      '2024-04|P1|unknown': [3333, 3333, 0, 3333],
      '2024-04|P2|unknown': [6667, 6667, 0, 6667],
      // R1 refunds PAY2 in May: allocated back to the same lines
      '2024-05|P1|unknown': [0, 0, 3333, -3333],
      '2024-05|P2|unknown': [0, 0, 6667, -6667],
      // INV3: three lines of 1.00, 1.00 paid → 0.34 (first line by largest remainder, tie → lowest id) + 0.33 + 0.33
      // (R3, pending, returns nothing yet)
      '2024-06|P1|unknown': [200, 67, 0, 67],
      '2024-06|P2|unknown': [100, 33, 0, 33],
      // R2: 33.00 of PAY1, pro rata to INV1's gross 110.00 / 55.00
      '2024-07|P1|unknown': [0, 0, 2200, -2200],
      '2024-07|P2|unknown': [0, 0, 1100, -1100],
      // R4: ¥5000 of PAY4 at 0.007
      '2024-08|P2|mid_market': [0, 0, 3500, -3500],
    });
  });

  it('refunds, disputes and payouts from their own tables', async () => {
    const refunds = await query(
      path,
      `SELECT strftime(refund_date, '%Y-%m-%d') AS d, status, currency, amount_minor, amount_report_minor
       FROM fct_refund ORDER BY refund_date`,
    );
    expect(refunds).toEqual([
      {
        d: '2024-05-02',
        status: 'succeeded',
        currency: 'USD',
        amount_minor: 10000,
        amount_report_minor: 10000,
      },
      { d: '2024-06-20', status: 'pending', currency: 'USD', amount_minor: 100, amount_report_minor: 100 },
      {
        d: '2024-07-15',
        status: 'succeeded',
        currency: 'USD',
        amount_minor: 3300,
        amount_report_minor: 3300,
      },
      {
        d: '2024-08-10',
        status: 'succeeded',
        currency: 'JPY',
        amount_minor: 5000,
        amount_report_minor: 3500,
      },
    ]);
    const disputes = await query(
      path,
      `SELECT strftime(month, '%Y-%m') AS m, status, amount_minor, fee_minor, amount_report_minor, fee_report_minor
       FROM fct_dispute ORDER BY opened_date`,
    );
    expect(disputes).toEqual([
      {
        m: '2024-03',
        status: 'won',
        amount_minor: 15000,
        fee_minor: 2000,
        amount_report_minor: 10500,
        fee_report_minor: 1400,
      },
      {
        m: '2024-04',
        status: 'lost',
        amount_minor: 16500,
        fee_minor: 1500,
        amount_report_minor: 16500,
        fee_report_minor: 1500,
      },
    ]);
    const [bt] = await query(
      path,
      `SELECT count(*) AS n, sum(net_report_minor) AS net FROM fct_balance_transaction WHERE category <> 'payout'`,
    );
    // 159.92 + 96.80 − 100.00 − 180.00 + 200.00 + ¥14540 → 101.78
    expect(bt).toEqual({ n: 6, net: 15992 + 9680 - 10000 - 18000 + 20000 + 10178 });

    const comp = await query(
      path,
      `SELECT strftime(payout_date, '%Y-%m-%d') AS d, strftime(month, '%Y-%m') AS m, payout_currency, status,
              amount_minor, gross_minor, fees_minor, refunds_minor, chargebacks_minor, other_minor, net_minor,
              transactions, amount_report_minor, gross_report_minor, fees_report_minor, refunds_report_minor,
              chargebacks_report_minor, net_report_minor
       FROM mart_payout_composition ORDER BY payout_date`,
    );
    const row = (
      d: string,
      cur: string,
      status: string,
      [amount, gross, fees, refunds, chargebacks, other, net, tx]: number[],
      report: number[],
    ) => ({
      d,
      m: d.slice(0, 7),
      payout_currency: cur,
      status,
      amount_minor: amount,
      gross_minor: gross,
      fees_minor: fees,
      refunds_minor: refunds,
      chargebacks_minor: chargebacks,
      other_minor: other,
      net_minor: net,
      transactions: tx,
      amount_report_minor: report[0],
      gross_report_minor: report[1],
      fees_report_minor: report[2],
      refunds_report_minor: report[3],
      chargebacks_report_minor: report[4],
      net_report_minor: report[5],
    });
    expect(comp).toEqual([
      row(
        '2024-03-10',
        'JPY',
        'paid',
        [14540, 15000, 460, 0, 0, 0, 14540, 1],
        [10178, 10500, 322, 0, 0, 10178],
      ),
      row(
        '2024-03-15',
        'USD',
        'paid',
        [15992, 16500, 508, 0, 0, 0, 15992, 1],
        [15992, 16500, 508, 0, 0, 15992],
      ),
      row(
        '2024-05-06',
        'USD',
        'paid',
        [1680, 10000, 1820, -10000, -16500, 20000, 1680, 4],
        [1680, 10000, 1820, -10000, -16500, 1680],
      ),
      row('2024-06-05', 'USD', 'in_transit', [67, 0, 0, 0, 0, 0, 0, 0], [67, 0, 0, 0, 0, 0]),
    ]);
  });

  it('payment segmentation, AR aging and DSO', async () => {
    const seg = await query(
      path,
      `SELECT strftime(month, '%Y-%m') AS m, method, country, size_band, customer_type, attempts, succeeded, failed,
              success_rate, volume_minor, fees_minor, fee_pct FROM mart_payment_segments ORDER BY ALL`,
    );
    expect(
      seg.map((r) => [
        r.m,
        r.country,
        r.size_band,
        r.customer_type,
        r.attempts,
        r.succeeded,
        r.failed,
        r.volume_minor,
        r.fees_minor,
      ]),
    ).toEqual([
      ['2024-03', 'JP', 'medium', 'new', 1, 1, 0, 10500, 322], // ¥460 fee → 3.22
      ['2024-03', 'US', 'medium', 'new', 2, 1, 1, 16500, 508], // failed attempt, then first success
      ['2024-04', 'US', 'medium', 'returning', 1, 1, 0, 10000, 320],
      ['2024-06', 'US', 'small', 'returning', 1, 1, 0, 100, 33],
    ]);
    expect(seg[1].success_rate).toBe(0.5);
    expect(seg[1].fee_pct).toBeCloseTo((508 / 16500) * 100, 9);

    const aging = await query(path, `SELECT bucket, invoices, open_minor FROM mart_ar_aging`);
    expect(aging).toEqual([{ bucket: '90_plus', invoices: 1, open_minor: 200 }]); // INV3, due 2024-07-01
    const [dso] = await query(
      path,
      `SELECT billed_minor, collected_minor, ar_end_minor, dso_days FROM mart_dso_monthly WHERE month = DATE '2024-06-01'`,
    );
    // June: billed INV3 3.00, collected 1.00; AR at month end = billed to date 373.00 − collected 371.00
    expect(dso).toMatchObject({ billed_minor: 300, collected_minor: 100, ar_end_minor: 200 });
    expect(dso.dso_days).toBeCloseTo((200 / 300) * 30, 9);
  });

  it('a shorter reactivation window turns returning customers into new ones', async () => {
    const p2 = join(dir, 'window0.duckdb');
    await new WarehouseLoader({
      db: tdb.db,
      path: p2,
      asOf: AS_OF,
      settings: { ...DEFAULT_SETTINGS, reactivation_window_months: 0 },
    }).run('full');
    const rows = await query(
      p2,
      `SELECT strftime(month, '%Y-%m') AS m, new_minor, reactivation_minor FROM mart_mrr_monthly WHERE month IN (DATE '2024-07-01', DATE '2025-02-01') ORDER BY month`,
    );
    expect(rows).toEqual([
      { m: '2024-07', new_minor: 6000, reactivation_minor: 0 },
      { m: '2025-02', new_minor: 2000, reactivation_minor: 0 },
    ]);
  });

  it('sync status and reconciliation against the vendor mirror', async () => {
    const db = tdb.db;
    const inv = async (n: string) => Number((await db('invoices').where({ number: n }).first('id')).id);
    const [conn] = await db('connections').insert({ name: 'Books', vendor: 'quickbooks' }).returning('id');
    const link = (number: number, external: string | null, state = 'linked') => ({
      connection_id: conn.id,
      object: 'invoice',
      local_id: number,
      external_id: external,
      state,
    });
    await db('external_links').insert([
      link(await inv('INV1'), 'Q1'),
      link(await inv('INV2'), 'Q2'),
      link(await inv('INV3'), null, 'pending'),
      link(await inv('INV4'), 'Q4'),
      link(await inv('INV6'), 'Q6'),
    ]);
    const rec = (id: string, amount: number, currency: string) => ({
      connection_id: conn.id,
      object: 'Invoice',
      external_id: id,
      amount_minor: amount,
      currency,
    });
    await db('external_records').insert([
      rec('Q1', 16500, 'USD'),
      rec('Q2', 9999, 'USD'),
      rec('Q4', 15000, 'USD'),
    ]);
    const p2 = join(dir, 'sync.duckdb');
    await new WarehouseLoader({ db, path: p2, asOf: AS_OF }).run('full');
    const status = await query(
      p2,
      `SELECT object, hub_records, linked, pending, not_linked FROM mart_sync_status`,
    );
    // Non-draft invoices: INV1, INV2, INV3, INV4, INV6 (void still exists on the ledger side).
    expect(status).toEqual([{ object: 'invoice', hub_records: 5, linked: 4, pending: 1, not_linked: 0 }]);
    const recon = await query(p2, `SELECT external_id, reason FROM mart_reconciliation ORDER BY local_id`);
    expect(recon).toEqual([
      { external_id: 'Q1', reason: 'matched' },
      { external_id: 'Q2', reason: 'amount' },
      { external_id: null, reason: 'missing_link' },
      { external_id: 'Q4', reason: 'currency' }, // ¥15000 on our side, USD in the ledger
      { external_id: 'Q6', reason: 'missing_external' },
    ]);
  });
});
