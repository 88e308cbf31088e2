import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { toArrow, toCsv } from '../../../src/warehouse/report.format';
import { SCOPED_TABLES } from '../../../warehouse/incremental';
import { modelSettings, modelStatements } from '../../../warehouse/models';
import { convertedSql, REPORTS } from '../../../warehouse/reports';
import { DEFAULT_SETTINGS, settingsSchema, settingsTableSql } from '../../../warehouse/settings';
import { createRawSql, SOURCES } from '../../../warehouse/sources';

describe('warehouse model files', () => {
  const statements = modelStatements();
  const names = statements.map((s) => s.name);

  it('parse into named statements in layer order, each created once', () => {
    expect(new Set(names).size).toBe(names.length);
    const layer = (n: string) =>
      n.startsWith('stg_') ? 1 : n.startsWith('mart_') ? 4 : n.startsWith('fct_') ? 3 : 2;
    const layers = statements.map((s) => layer(s.name));
    expect([...layers].sort()).toEqual(layers);
    for (const fact of [
      'fct_invoice_line',
      'fct_payment',
      'fct_refund',
      'fct_dispute',
      'fct_payout',
      'fct_balance_transaction',
      'fct_subscription_period',
    ]) {
      expect(names).toContain(fact);
    }
    for (const dim of ['dim_customer', 'dim_product', 'dim_date', 'dim_currency', 'dim_fx_day'])
      expect(names).toContain(dim);
  });

  it('slice only tables that exist, and every report reads an existing mart', () => {
    for (const t of SCOPED_TABLES) expect(names).toContain(t);
    for (const r of REPORTS) expect(names).toContain(r.source);
  });

  it('marts stay portable: no DuckDB-only syntax in 4x files', () => {
    for (const s of statements.filter((x) => x.file.startsWith('4'))) {
      expect(s.body).not.toMatch(/\bASOF\b|\bHUGEINT\b|\bREPLACE\s*\(|::|\bQUALIFY\b|\barg_(min|max)\b/i);
    }
  });
});

describe('staging views on raw rows', () => {
  let inst: DuckDBInstance;
  let duck: DuckDBConnection;
  const rows = async (sql: string) => (await duck.runAndReadAll(sql)).getRowObjectsJS();
  // Each instant near a day boundary somewhere (and one before 1970: negative epoch).
  const instants = [
    '2024-03-10T23:30:00Z',
    '2024-01-01T00:00:00Z',
    '2024-07-01T15:00:00Z',
    '1969-12-31T23:59:59.999Z',
  ];
  const dateIn = (tz: string, iso: string) =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(new Date(iso));

  beforeAll(async () => {
    inst = await DuckDBInstance.create(':memory:');
    duck = await inst.connect();
    for (const src of SOURCES) await duck.run(createRawSql(src));
    for (const st of modelStatements().filter((x) => x.file === '10_staging')) await duck.run(st.sql);
    await duck.run(`INSERT INTO raw_contacts (id, company_id) VALUES (20, 2)`);
    await duck.run(`INSERT INTO raw_invoices (id, company_id, currency) VALUES (30, 3, 'usd')`);
    // 1: own company; 2: contact's company; 3: invoice's company; 4: none; 5: archived.
    await duck.run(`INSERT INTO raw_payments (id, company_id, contact_id, invoice_id, amount_minor, fee_minor,
                      currency, created_at, paid_at, archived_at) VALUES
      (1, 1, 20, 30, 1000, 30, 'usd', TIMESTAMPTZ '${instants[0]}', TIMESTAMPTZ '${instants[1]}', NULL),
      (2, NULL, 20, 30, 1000, 30, 'usd', TIMESTAMPTZ '${instants[2]}', NULL, NULL),
      (3, NULL, NULL, 30, 1000, 30, 'usd', TIMESTAMPTZ '${instants[3]}', NULL, NULL),
      (4, NULL, NULL, NULL, 1000, 30, 'usd', TIMESTAMPTZ '${instants[0]}', NULL, NULL),
      (5, 1, NULL, NULL, 1000, 30, 'usd', TIMESTAMPTZ '${instants[0]}', NULL, now())`);
    await duck.run(`INSERT INTO raw_refunds (id, payment_id, currency, amount_minor, refunded_at)
                    SELECT i, 1, 'usd', 10, ts FROM (VALUES ${instants.map((t, i) => `(${i}, TIMESTAMPTZ '${t}')`).join(', ')}) AS v(i, ts)`);
    await duck.run(`INSERT INTO raw_payouts (id, currency, amount_minor, initiated_at, arrival_date) VALUES
      (1, 'usd', 10, TIMESTAMPTZ '${instants[0]}', NULL), (2, 'usd', 10, TIMESTAMPTZ '${instants[0]}', DATE '2024-03-20')`);
  });
  afterAll(() => {
    duck.closeSync();
    inst.closeSync();
  });

  it('resolve the customer of a payment from its company, else its contact, else its invoice', async () => {
    expect(
      await rows(`SELECT payment_id, customer_id, net_minor FROM stg_payments ORDER BY payment_id`),
    ).toEqual([
      { payment_id: 1n, customer_id: 1n, net_minor: 970n },
      { payment_id: 2n, customer_id: 2n, net_minor: 970n },
      { payment_id: 3n, customer_id: 3n, net_minor: 970n },
      { payment_id: 4n, customer_id: null, net_minor: 970n },
    ]);
  });

  it.each(['UTC', 'Etc/UTC', 'America/New_York', 'Asia/Tokyo'])(
    'date timestamps in the session time zone (%s)',
    async (tz) => {
      await duck.run(`SET TimeZone = '${tz}'`);
      const refunds = await rows(
        `SELECT CAST(refund_date AS VARCHAR) AS d FROM stg_refunds ORDER BY refund_id`,
      );
      expect(refunds.map((r) => r.d)).toEqual(instants.map((t) => dateIn(tz, t)));
      const pays = await rows(
        `SELECT CAST(created_date AS VARCHAR) AS c, CAST(paid_date AS VARCHAR) AS p FROM stg_payments ORDER BY payment_id`,
      );
      expect(pays[0]).toEqual({ c: dateIn(tz, instants[0]), p: dateIn(tz, instants[1]) });
      expect(pays[2]).toEqual({ c: dateIn(tz, instants[3]), p: null });
      const payouts = await rows(
        `SELECT CAST(initiated_date AS VARCHAR) AS i, CAST(payout_date AS VARCHAR) AS p FROM stg_payouts ORDER BY payout_id`,
      );
      expect(payouts).toEqual([
        { i: dateIn(tz, instants[0]), p: dateIn(tz, instants[0]) },
        { i: dateIn(tz, instants[0]), p: '2024-03-20' },
      ]);
    },
  );
});

describe('fct_collection_line allocation', () => {
  // invoice → line gross amounts (line ids are invoice × 10 + position).
  const invoices: Record<number, bigint[]> = {
    1: [100n, 200n, 300n],
    2: [1n, 1n, 1n],
    // Products of amount × gross beyond BIGINT: the HUGEINT path.
    3: [5_000_000_000n, 10_000_000_000n],
    4: [-50n, 250n, 7n],
  };
  const money = [
    { kind: 'collected', id: 1, invoice: 1, amount: 600n },
    { kind: 'collected', id: 2, invoice: 1, amount: 100n },
    { kind: 'collected', id: 3, invoice: 2, amount: 2n },
    { kind: 'collected', id: 4, invoice: 3, amount: 10_000_000_000n },
    { kind: 'collected', id: 5, invoice: 4, amount: 101n },
    { kind: 'collected', id: 6, invoice: null, amount: 55n },
    { kind: 'refunded', id: 7, invoice: 1, amount: 599n },
  ];

  /** Largest remainder: floor shares, leftover cents to the largest remainders, then lowest line id. */
  function expected(invoice: number | null, amount: bigint): Array<[number | null, bigint]> {
    const gross = invoice === null ? [] : invoices[invoice];
    const total = gross.reduce((a, b) => a + b, 0n);
    if (invoice === null || total <= 0n) return [[null, amount]];
    const ids = gross.map((_, i) => invoice * 10 + i);
    if (amount === total) return gross.map((g, i) => [ids[i], g]);
    const base = gross.map((g) => (amount * g) / total); // BigInt division truncates, like SQL //
    const rem = gross.map((g) => (amount * g) % total);
    let left = amount - base.reduce((a, b) => a + b, 0n);
    const order = ids
      .map((_, i) => i)
      .sort((a, b) => (rem[b] > rem[a] ? 1 : rem[b] < rem[a] ? -1 : ids[a] - ids[b]));
    for (const i of order) if (left-- > 0n) base[i] += 1n;
    return gross.map((_, i) => [ids[i], base[i]]);
  }

  it('splits every payment and refund over its invoice lines to the cent', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const duck = await inst.connect();
    try {
      await duck.run(`CREATE TABLE fct_invoice_line (invoice_id BIGINT, line_id BIGINT, product_id BIGINT,
                        amount_minor BIGINT, tax_minor BIGINT)`);
      for (const [inv, gross] of Object.entries(invoices)) {
        for (const [i, g] of gross.entries()) {
          // Split gross into amount + tax so both count.
          await duck.run(
            `INSERT INTO fct_invoice_line VALUES (${inv}, ${Number(inv) * 10 + i}, ${i + 100}, ${g - 1n}, 1)`,
          );
        }
      }
      const values = (kind: string, date: string, last: string) =>
        money
          .filter((m) => m.kind === kind)
          .map((m) => `(${m.id}, ${m.invoice ?? 'NULL'}, 9, 'EUR', ${m.amount}, DATE '${date}', ${last})`)
          .join(', ');
      await duck.run(`CREATE TABLE fct_payment (payment_id BIGINT, invoice_id BIGINT, customer_id BIGINT,
                        currency VARCHAR, amount_minor BIGINT, event_date DATE, is_success BOOLEAN)`);
      await duck.run(`INSERT INTO fct_payment VALUES ${values('collected', '2025-01-15', 'true')}`);
      await duck.run(`CREATE TABLE fct_refund (refund_id BIGINT, invoice_id BIGINT, customer_id BIGINT,
                        currency VARCHAR, amount_minor BIGINT, refund_date DATE, status VARCHAR)`);
      await duck.run(`INSERT INTO fct_refund VALUES ${values('refunded', '2025-02-03', "'succeeded'")}`);
      await duck.run(`CREATE TABLE dim_fx_day AS SELECT 'EUR' AS currency, CAST(d AS DATE) AS date, 1.1 AS to_report
                      FROM generate_series(TIMESTAMP '2025-01-01', TIMESTAMP '2025-03-01', INTERVAL 1 DAY) AS g(d)`);
      const st = modelStatements().find((x) => x.name === 'fct_collection_line')!;
      await duck.run(st.sql);
      const got = (
        await duck.runAndReadAll(`SELECT kind, source_id, line_id, amount_minor, amount_report_minor,
                                   CAST(month AS VARCHAR) AS month FROM fct_collection_line`)
      ).getRowObjectsJS();
      for (const m of money) {
        const rows = got
          .filter((r) => r.kind === m.kind && r.source_id === BigInt(m.id))
          .sort((a, b) => Number(a.line_id ?? 0n) - Number(b.line_id ?? 0n));
        const want = expected(m.invoice, m.amount);
        expect(rows.map((r) => [r.line_id === null ? null : Number(r.line_id), r.amount_minor])).toEqual(
          want,
        );
        expect(rows.reduce((a, r) => a + (r.amount_minor as bigint), 0n)).toBe(m.amount);
        for (const r of rows) {
          expect(r.amount_report_minor).toBe(BigInt(Math.round(Number(r.amount_minor as bigint) * 1.1)));
          expect(r.month).toBe(m.kind === 'collected' ? '2025-01-01' : '2025-02-01');
        }
      }
      expect(got).toHaveLength(money.reduce((n, m) => n + expected(m.invoice, m.amount).length, 0));
    } finally {
      duck.closeSync();
      inst.closeSync();
    }
  });
});

describe('model build settings', () => {
  it('are SET statements of the model files that runModels can apply and reset', async () => {
    const settings = modelSettings();
    expect(settings.map((x) => x.name)).toEqual(['preserve_insertion_order', 'disabled_compression_methods']);
    const inst = await DuckDBInstance.create(':memory:');
    const duck = await inst.connect();
    try {
      for (const x of settings) await duck.run(`SET ${x.name} = ${x.value}`);
      const value = async () =>
        (
          await duck.runAndReadAll(`SELECT current_setting('preserve_insertion_order') AS v`)
        ).getRowObjectsJS()[0].v;
      expect(await value()).toBe(false);
      for (const x of settings) await duck.run(`RESET ${x.name}`);
      expect(await value()).toBe(true);
    } finally {
      duck.closeSync();
      inst.closeSync();
    }
  });
});

describe('reports catalog', () => {
  it('has unique names and parameters, and converts every money column', () => {
    expect(new Set(REPORTS.map((r) => r.name)).size).toBe(REPORTS.length);
    for (const r of REPORTS) {
      const params = r.params.map((p) => p.name);
      expect(new Set(params).size).toBe(params.length);
      if (r.money.length) expect(params).toContain('currency');
      const sql = convertedSql(r);
      for (const m of r.money) expect(sql).toContain(`round(r.${m} / fx.to_report)`);
    }
  });
});

describe('metric settings', () => {
  it('defaults, rejects unknown keys and renders the settings row', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ reporting_currency: 'USD', reactivation_window_months: 12 });
    expect(settingsSchema.safeParse({ churn_window: 3 }).success).toBe(false);
    expect(settingsSchema.safeParse({ reporting_currency: 'usd' }).success).toBe(false);
    const sql = settingsTableSql({ ...DEFAULT_SETTINGS, reporting_currency: 'EUR' }, '2025-02-28');
    expect(sql).toContain(`'EUR' AS reporting_currency`);
    expect(sql).toContain(`DATE '2025-02-28' AS as_of`);
  });
});

describe('report formats', () => {
  const rs = {
    columns: [
      { name: 'month', type: 'DATE' },
      { name: 'mrr_minor', type: 'BIGINT' },
      { name: 'note', type: 'VARCHAR' },
      { name: 'nrr', type: 'DOUBLE' },
    ],
    rows: [
      { month: '2025-01-01', mrr_minor: 95333, note: 'a, "quoted"\nline', nrr: 1.25 },
      { month: '2025-02-01', mrr_minor: null, note: null, nrr: null },
    ],
  };

  it('CSV quotes per RFC 4180 and leaves NULL empty', () => {
    expect(toCsv(rs)).toBe(
      'month,mrr_minor,note,nrr\r\n2025-01-01,95333,"a, ""quoted""\nline",1.25\r\n2025-02-01,,,\r\n',
    );
  });

  it('Arrow IPC keeps types: Int64 minor units, dates, nulls', () => {
    const t = tableFromIPC(toArrow(rs));
    expect(t.numRows).toBe(2);
    expect(t.getChild('mrr_minor')!.get(0)).toBe(95333n);
    expect(t.getChild('mrr_minor')!.get(1)).toBeNull();
    expect(String(t.schema.fields.find((f) => f.name === 'month')!.type)).toMatch(/Date/);
    expect(t.getChild('note')!.get(0)).toBe('a, "quoted"\nline');
  });
});
