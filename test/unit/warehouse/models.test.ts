import { tableFromIPC } from 'apache-arrow';
import { toArrow, toCsv } from '../../../src/warehouse/report.format';
import { SCOPED_TABLES } from '../../../warehouse/incremental';
import { modelStatements } from '../../../warehouse/models';
import { convertedSql, REPORTS } from '../../../warehouse/reports';
import { DEFAULT_SETTINGS, settingsSchema, settingsTableSql } from '../../../warehouse/settings';

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
