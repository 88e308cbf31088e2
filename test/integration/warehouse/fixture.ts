import type { Knex } from 'knex';

/**
 * The hand-computed fixture: 12 customers over 14 months (2024-01 … 2025-02, as of 2025-02-28).
 * Expected figures live in the tests, worked out by hand from the comments below.
 */
export const AS_OF = '2025-02-28';
const T = '2024-01-01T00:00:00Z';

export async function loadFixture(db: Knex): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const ins = async (table: string, key: string, row: Record<string, unknown>) => {
    const [r] = await db(table)
      .insert({ created_at: T, updated_at: T, ...row })
      .returning('id');
    ids[key] = Number(r.id);
    return ids[key];
  };
  await db('fx_rates').insert([
    { currency: 'JPY', rate_date: '2023-01-01', rate: '0.007' },
    { currency: 'EUR', rate_date: '2023-01-01', rate: '1.25' },
  ]);
  for (let i = 1; i <= 12; i++) {
    await ins('companies', `C${i}`, {
      name: `Customer ${i}`,
      country: i === 9 ? 'JP' : 'US',
      currency: i === 9 ? 'JPY' : 'USD',
      // C9: ¥2,000,000,000 = $14M → mid_market; others unknown.
      annual_revenue_minor: i === 9 ? 2_000_000_000 : null,
    });
  }
  const p1 = await ins('products', 'P1', {
    name: 'Widget',
    sku: 'W-1',
    price_minor: 5000,
    currency: 'USD',
    frequency: 'one_time',
  });
  const p2 = await ins('products', 'P2', {
    name: 'Pro plan',
    sku: 'PRO',
    price_minor: 5000,
    currency: 'USD',
    frequency: 'monthly',
  });

  const sub = async (
    key: string,
    c: string,
    frequency: string,
    start: string,
    extra: Record<string, unknown>,
    items: Array<[number, string | null, string | null]>,
    currency = 'USD',
  ) => {
    const id = await ins('subscriptions', key, {
      company_id: ids[c],
      frequency,
      currency,
      start_date: start,
      ...extra,
    });
    let pos = 0;
    for (const [amount, from, to] of items) {
      await db('line_items').insert({
        created_at: T,
        updated_at: T,
        owner_type: 'subscription',
        owner_id: id,
        position: pos++,
        product_id: p2,
        unit_price_minor: amount,
        amount_minor: amount,
        currency,
        service_start: from,
        service_end: to,
      });
    }
  };
  const canceled = (end: string) => ({ status: 'canceled', end_date: end, canceled_at: `${end}T00:00:00Z` });
  await sub('S1', 'C1', 'monthly', '2024-01-01', {}, [[10000, null, null]]);
  await sub('S2', 'C2', 'monthly', '2024-01-15', {}, [
    [5000, '2024-01-15', '2024-04-10'],
    [8000, '2024-04-10', null],
  ]);
  await sub('S3', 'C3', 'monthly', '2024-02-01', {}, [
    [20000, null, '2024-06-01'],
    [15000, '2024-06-01', null],
  ]);
  await sub('S4', 'C4', 'monthly', '2024-01-01', canceled('2024-05-15'), [[3000, null, null]]);
  await sub('S5a', 'C5', 'monthly', '2024-02-01', canceled('2024-04-20'), [[4000, null, null]]);
  await sub('S5b', 'C5', 'monthly', '2024-07-01', {}, [[6000, null, null]]);
  await sub('S6', 'C6', 'weekly', '2024-03-04', {}, [[2500, null, null]]);
  await sub('S7', 'C7', 'annual', '2024-05-01', {}, [[120000, null, null]]);
  await sub('S8', 'C8', 'every_3_years', '2024-06-15', {}, [[360000, null, null]]);
  await sub('S9', 'C9', 'monthly', '2024-03-01', {}, [[15000, null, null]], 'JPY');
  await sub('S10', 'C10', 'quarterly', '2024-01-01', {}, [
    [30000, null, null],
    [15000, '2024-09-01', null],
  ]);
  await sub('S11a', 'C11', 'monthly', '2024-01-01', canceled('2024-02-10'), [[2000, null, null]]);
  await sub('S11b', 'C11', 'monthly', '2025-02-01', {}, [[2000, null, null]]);
  // Scheduled for after the as-of date: no MRR yet.
  await sub('S12', 'C12', 'monthly', '2025-04-01', { status: 'scheduled' }, [[9999, null, null]]);

  const invoice = async (
    key: string,
    c: string,
    status: string,
    issue: string,
    due: string,
    lines: Array<[number, number, number]>,
    currency = 'USD',
    paid = 0,
  ) => {
    const total = lines.reduce((s, [, a, t]) => s + a + t, 0);
    const id = await ins('invoices', key, {
      number: key,
      status,
      currency,
      company_id: ids[c],
      issue_date: issue,
      due_date: due,
      subtotal_minor: lines.reduce((s, [, a]) => s + a, 0),
      tax_minor: lines.reduce((s, [, , t]) => s + t, 0),
      total_minor: total,
      amount_paid_minor: paid,
      amount_due_minor: total - paid,
    });
    let pos = 0;
    for (const [product, amount, tax] of lines) {
      await ins('line_items', `${key}L${pos}`, {
        owner_type: 'invoice',
        owner_id: id,
        position: pos++,
        product_id: product,
        unit_price_minor: amount,
        amount_minor: amount,
        tax_minor: tax,
        currency,
      });
    }
  };
  await invoice(
    'INV1',
    'C12',
    'paid',
    '2024-03-10',
    '2024-04-09',
    [
      [p1, 10000, 1000],
      [p2, 5000, 500],
    ],
    'USD',
    16500,
  );
  await invoice(
    'INV2',
    'C12',
    'paid',
    '2024-04-05',
    '2024-05-05',
    [
      [p1, 3333, 0],
      [p2, 3333, 0],
      [p2, 3334, 0],
    ],
    'USD',
    10000,
  );
  await invoice(
    'INV3',
    'C12',
    'open',
    '2024-06-01',
    '2024-07-01',
    [
      [p1, 100, 0],
      [p1, 100, 0],
      [p2, 100, 0],
    ],
    'USD',
    100,
  );
  await invoice('INV4', 'C9', 'paid', '2024-03-01', '2024-03-31', [[p2, 15000, 0]], 'JPY', 15000);
  await invoice('INV5', 'C12', 'draft', '2024-06-10', '2024-07-10', [[p1, 999999, 0]]);
  await invoice('INV6', 'C12', 'void', '2024-06-11', '2024-07-11', [[p1, 888888, 0]]);

  const pay = async (key: string, row: Record<string, unknown>) =>
    ins('payments', key, { method: 'card', currency: 'USD', ...row });
  await pay('PAY5', {
    company_id: ids.C12,
    invoice_id: ids.INV1,
    amount_minor: 16500,
    status: 'failed',
    created_at: '2024-03-11T10:00:00Z',
  });
  await pay('PAY1', {
    company_id: ids.C12,
    invoice_id: ids.INV1,
    amount_minor: 16500,
    fee_minor: 508,
    status: 'succeeded',
    paid_at: '2024-03-12T10:00:00Z',
    created_at: '2024-03-12T10:00:00Z',
  });
  await pay('PAY2', {
    company_id: ids.C12,
    invoice_id: ids.INV2,
    amount_minor: 10000,
    fee_minor: 320,
    status: 'refunded',
    paid_at: '2024-04-06T10:00:00Z',
    created_at: '2024-04-06T10:00:00Z',
    updated_at: '2024-05-02T10:00:00Z',
  });
  await pay('PAY3', {
    company_id: ids.C12,
    invoice_id: ids.INV3,
    amount_minor: 100,
    fee_minor: 33,
    status: 'succeeded',
    paid_at: '2024-06-02T10:00:00Z',
    created_at: '2024-06-02T10:00:00Z',
  });
  await pay('PAY4', {
    company_id: ids.C9,
    invoice_id: ids.INV4,
    amount_minor: 15000,
    fee_minor: 460,
    currency: 'JPY',
    status: 'succeeded',
    paid_at: '2024-03-03T10:00:00Z',
    created_at: '2024-03-03T10:00:00Z',
  });
  return ids;
}
