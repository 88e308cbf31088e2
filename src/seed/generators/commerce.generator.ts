import type { Knex } from 'knex';
import { rowsOf } from '../../app/database';
import type { SeedContext, SeedGenerator } from '../generator';
import { BulkWriter, day, iso, rng } from './bulk.writer';
import { writeInvoices } from './commerce.invoices';
import { ProcessorRecords } from './commerce.processor';

/** Base sizes per profile at scale 1 (the bench profile is the warehouse benchmark's size). */
export const COMMERCE_SIZES = {
  demo: { invoices: 2000, subscriptions: 200, companies: 150 },
  bench: { invoices: 1_000_000, subscriptions: 50_000, companies: 50_000 },
};

const ANCHOR = Date.UTC(2026, 5, 30); // history ends 2026-06-30: deterministic for a given seed
const DAY = 86_400_000;
const CURRENCIES: Array<[string, number, number]> = [
  // code, weight, base rate in USD per unit
  ['USD', 80, 1],
  ['EUR', 10, 1.1],
  ['GBP', 5, 1.27],
  ['JPY', 5, 0.0068],
];
const COUNTRIES = ['US', 'US', 'US', 'CA', 'GB', 'DE', 'FR', 'JP', 'AU', 'NL'];
const FREQUENCIES: Array<[string, number]> = [
  ['monthly', 60],
  ['annual', 15],
  ['quarterly', 10],
  ['weekly', 4],
  ['biweekly', 3],
  ['semiannual', 3],
  ['every_2_years', 2],
  ['every_3_years', 2],
  ['every_5_years', 1],
];

export async function seedCommerce(
  db: Knex,
  opts: { profile: 'demo' | 'bench'; scale: number; seed: number },
) {
  const size = COMMERCE_SIZES[opts.profile];
  const n = {
    invoices: Math.max(10, Math.round(size.invoices * opts.scale)),
    subscriptions: Math.max(5, Math.round(size.subscriptions * opts.scale)),
    companies: Math.max(10, Math.round(size.companies * opts.scale)),
  };
  const r = rng(opts.seed * 7919 + 17);
  const w = new BulkWriter(db);
  const counts: Record<string, number> = {
    companies: 0,
    products: 0,
    fx_rates: 0,
    subscriptions: 0,
    invoices: 0,
    line_items: 0,
    payments: 0,
  };

  // Exchange rates: a gentle monthly random walk over the history window.
  const fxRows: unknown[][] = [];
  for (const [code, , base] of CURRENCIES.filter((c) => c[0] !== 'USD')) {
    let rate = base;
    for (let m = 0; m < 48; m++) {
      const d = new Date(Date.UTC(2023, m, 1));
      rate *= 1 + (r.next() - 0.5) * 0.04;
      fxRows.push([code, day(d.getTime()), rate.toFixed(8)]);
    }
  }
  const existingFx = rowsOf<{ c: number }>(await db.raw(`select count(*)::int as c from fx_rates`))[0].c;
  if (!existingFx) {
    await w.write('fx_rates', ['currency', 'rate_date', 'rate'], fxRows);
    counts.fx_rates = fxRows.length;
  }

  // Customers: reuse existing companies, create the shortfall.
  const have = rowsOf<{ id: number; currency: string | null }>(
    await db.raw(`select id, currency from companies where archived_at is null order by id limit ?`, [
      n.companies,
    ]),
  );
  let nextCompany = await w.nextId('companies');
  const newCompanies: unknown[][] = [];
  while (have.length + newCompanies.length < n.companies) {
    const currency = r.weighted(CURRENCIES);
    const revenue = Math.round(10 ** (5 + r.next() * 4)) * 100;
    const created = iso(ANCHOR - r.int(400, 1400) * DAY);
    newCompanies.push([
      nextCompany++,
      `Commerce customer ${nextCompany}`,
      r.pick(COUNTRIES),
      currency,
      revenue,
      created,
      created,
    ]);
  }
  await w.write(
    'companies',
    ['id', 'name', 'country', 'currency', 'annual_revenue_minor', 'created_at', 'updated_at'],
    newCompanies,
  );
  counts.companies = newCompanies.length;
  if (newCompanies.length) await w.syncSequence('companies');
  const customers = [
    ...have.map((c) => ({ id: Number(c.id), currency: c.currency ?? 'USD' })),
    ...newCompanies.map((c) => ({ id: c[0] as number, currency: c[3] as string })),
  ];

  // Products: a small catalogue, one-time and recurring.
  const productRows: unknown[][] = [];
  let nextProduct = await w.nextId('products');
  for (let i = 0; i < 20; i++) {
    const freq = i < 8 ? 'one_time' : r.weighted(FREQUENCIES);
    productRows.push([
      nextProduct++,
      `Product ${i + 1}`,
      `COM-${opts.seed}-${nextProduct}`,
      r.int(5, 500) * 100,
      'USD',
      freq,
    ]);
  }
  await w.write('products', ['id', 'name', 'sku', 'price_minor', 'currency', 'frequency'], productRows);
  await w.syncSequence('products');
  counts.products = productRows.length;
  const products = productRows.map((p) => ({ id: p[0] as number, price: p[3] as number }));
  const factor = (cur: string) => (cur === 'JPY' ? 1.5 : 1); // JPY prices: minor = yen

  let nextLine = await w.nextId('line_items');
  // Subscriptions with their items (an upgrade ends one item and starts the next).
  let nextSub = await w.nextId('subscriptions');
  const lineCols = [
    'id',
    'owner_type',
    'owner_id',
    'position',
    'product_id',
    'quantity',
    'unit_price_minor',
    'currency',
    'amount_minor',
    'tax_minor',
    'service_start',
    'service_end',
    'created_at',
    'updated_at',
  ];
  for (let done = 0; done < n.subscriptions; done += 20000) {
    const subs: unknown[][] = [];
    const items: unknown[][] = [];
    for (let i = done; i < Math.min(n.subscriptions, done + 20000); i++) {
      const c = r.pick(customers);
      const freq = r.weighted(FREQUENCIES);
      const start = ANCHOR - r.int(0, 1000) * DAY;
      const canceled = r.next() < 0.2;
      const end = canceled ? start + r.int(30, 700) * DAY : null;
      const created = iso(start);
      const id = nextSub++;
      subs.push([
        id,
        c.id,
        canceled ? 'canceled' : 'active',
        freq,
        c.currency,
        day(start),
        end ? day(end) : null,
        end ? iso(end) : null,
        'auto_charge',
        created,
        created,
      ]);
      const price = Math.round(r.pick(products).price * factor(c.currency) * r.int(1, 5));
      if (r.next() < 0.15) {
        const change = start + r.int(30, 300) * DAY;
        const next = Math.round(price * (r.next() < 0.7 ? 1.5 : 0.6));
        items.push([
          nextLine++,
          'subscription',
          id,
          0,
          r.pick(products).id,
          1,
          price,
          c.currency,
          price,
          0,
          day(start),
          day(change),
          created,
          created,
        ]);
        items.push([
          nextLine++,
          'subscription',
          id,
          1,
          r.pick(products).id,
          1,
          next,
          c.currency,
          next,
          0,
          day(change),
          null,
          created,
          created,
        ]);
      } else {
        items.push([
          nextLine++,
          'subscription',
          id,
          0,
          r.pick(products).id,
          1,
          price,
          c.currency,
          price,
          0,
          null,
          null,
          created,
          created,
        ]);
      }
    }
    await w.write(
      'subscriptions',
      [
        'id',
        'company_id',
        'status',
        'frequency',
        'currency',
        'start_date',
        'end_date',
        'canceled_at',
        'collection',
        'created_at',
        'updated_at',
      ],
      subs,
    );
    await w.write('line_items', lineCols, items);
    counts.subscriptions += subs.length;
    counts.line_items += items.length;
  }
  await w.syncSequence('subscriptions');

  let lineSeq = nextLine;
  const processor = await ProcessorRecords.create(db, w, opts.seed, ANCHOR, DAY);
  await writeInvoices({
    w,
    r,
    invoices: n.invoices,
    seed: opts.seed,
    customers,
    products,
    lineCols,
    nextLine: () => lineSeq++,
    factor,
    counts,
    anchor: ANCHOR,
    dayMs: DAY,
    processor,
  });
  await processor.finish(db);
  return { ...counts, ...processor.counts };
}

export const commerceGenerator: SeedGenerator = {
  name: 'commerce',
  order: 40,
  run: (ctx: SeedContext) => seedCommerce(ctx.db, ctx),
};
