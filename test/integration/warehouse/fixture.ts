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
    status: 'partially_refunded',
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
  if (await db.schema.hasTable('refunds')) await loadPaymentRecords(db, ids, ins);
  return ids;
}

/**
 * Refunds, disputes, payouts and balance transactions (migration 0007; skipped on a schema
 * without it). Hand-worked figures:
 * - R1 refunds PAY2 in full (100.00, 2024-05-02); R2 refunds 33.00 of PAY1 on 2024-07-15 →
 *   INV1's lines 110.00 and 55.00 gross get 22.00 and 11.00; R3 (PAY3, pending) never counts;
 *   R4 refunds ¥5000 of PAY4 on 2024-08-10 → 35.00 at 0.007.
 * - D1 (PAY1, lost) 165.00 + 15.00 fee opened 2024-04-01; D2 (PAY4, won) ¥15000 + ¥2000 fee
 *   opened 2024-03-20 → 105.00 and 14.00.
 * - PO1 (USD, arrives 2024-03-15): PAY1's charge 165.00 − 5.08 fee = 159.92.
 *   PO2 (USD, 2024-05-06): PAY2's charge +100.00 (fee 3.20), R1 −100.00, D1 −165.00 (fee 15.00),
 *   an adjustment +200.00 → gross 100.00, fees 18.20, refunds −100.00, chargebacks −165.00,
 *   other 200.00, net 96.80 − 100.00 − 180.00 + 200.00 = 16.80.
 *   PO3 (JPY, 2024-03-10): PAY4's charge ¥15000 − ¥460 = ¥14540 → 105.00, 3.22, 101.78.
 *   PO4 (USD, in transit since 2024-06-05, no arrival date, transactions not read yet): 0.67.
 */
async function loadPaymentRecords(
  db: Knex,
  ids: Record<string, number>,
  ins: (table: string, key: string, row: Record<string, unknown>) => Promise<number>,
) {
  const refund = (
    key: string,
    payment: string,
    amount: number,
    status: string,
    at: string,
    currency = 'USD',
  ) =>
    ins('refunds', key, {
      payment_id: ids[payment],
      amount_minor: amount,
      currency,
      status,
      refunded_at: at,
    });
  await refund('R1', 'PAY2', 10000, 'succeeded', '2024-05-02T10:00:00Z');
  await refund('R2', 'PAY1', 3300, 'succeeded', '2024-07-15T10:00:00Z');
  await refund('R3', 'PAY3', 100, 'pending', '2024-06-20T10:00:00Z');
  await refund('R4', 'PAY4', 5000, 'succeeded', '2024-08-10T10:00:00Z', 'JPY');
  const dispute = (
    key: string,
    payment: string,
    amount: number,
    fee: number,
    status: string,
    at: string,
    currency: string,
  ) =>
    ins('disputes', key, {
      payment_id: ids[payment],
      amount_minor: amount,
      fee_minor: fee,
      currency,
      status,
      reason: 'fraudulent',
      processor: 'stripe',
      processor_id: `dp_${key}`,
      opened_at: at,
    });
  await dispute('D1', 'PAY1', 16500, 1500, 'lost', '2024-04-01T10:00:00Z', 'USD');
  await dispute('D2', 'PAY4', 15000, 2000, 'won', '2024-03-20T10:00:00Z', 'JPY');
  const payout = (
    key: string,
    amount: number,
    currency: string,
    status: string,
    arrival: string | null,
    initiated: string,
  ) =>
    ins('payouts', key, {
      processor: 'stripe',
      processor_id: `po_${key}`,
      amount_minor: amount,
      currency,
      status,
      arrival_date: arrival,
      initiated_at: initiated,
    });
  await payout('PO1', 15992, 'USD', 'paid', '2024-03-15', '2024-03-13T00:00:00Z');
  await payout('PO2', 1680, 'USD', 'paid', '2024-05-06', '2024-05-04T00:00:00Z');
  await payout('PO3', 14540, 'JPY', 'paid', '2024-03-10', '2024-03-08T00:00:00Z');
  await payout('PO4', 67, 'USD', 'in_transit', null, '2024-06-05T00:00:00Z');
  let n = 0;
  const txn = async (
    key: string,
    payout: string,
    category: string,
    amount: number,
    fee: number,
    at: string,
    links: Record<string, number | undefined> = {},
    currency = 'USD',
  ) => {
    const [r] = await db('balance_transactions')
      .insert({
        processor: 'stripe',
        processor_id: `txn_${++n}`,
        type: category === 'dispute' ? 'adjustment' : category,
        category,
        payout_id: ids[payout],
        amount_minor: amount,
        fee_minor: fee,
        net_minor: amount - fee,
        currency,
        occurred_at: at,
        updated_at: T,
        ...links,
      })
      .returning('id');
    ids[key] = Number(r.id);
  };
  await txn('BT1', 'PO1', 'charge', 16500, 508, '2024-03-12T10:00:00Z', { payment_id: ids.PAY1 });
  await txn('BT1P', 'PO1', 'payout', -15992, 0, '2024-03-13T00:00:00Z');
  await txn('BT2', 'PO2', 'charge', 10000, 320, '2024-04-06T10:00:00Z', { payment_id: ids.PAY2 });
  await txn('BT3', 'PO2', 'refund', -10000, 0, '2024-05-02T10:00:00Z', {
    payment_id: ids.PAY2,
    refund_id: ids.R1,
  });
  await txn('BT4', 'PO2', 'dispute', -16500, 1500, '2024-04-01T10:00:00Z', {
    payment_id: ids.PAY1,
    dispute_id: ids.D1,
  });
  await txn('BT5', 'PO2', 'other', 20000, 0, '2024-05-03T10:00:00Z');
  await txn('BT2P', 'PO2', 'payout', -1680, 0, '2024-05-04T00:00:00Z');
  await txn('BT6', 'PO3', 'charge', 15000, 460, '2024-03-03T10:00:00Z', { payment_id: ids.PAY4 }, 'JPY');
  await txn('BT6P', 'PO3', 'payout', -14540, 0, '2024-03-08T00:00:00Z', {}, 'JPY');
}
