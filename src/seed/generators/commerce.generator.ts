import type { Knex } from 'knex';
import { from as copyFrom } from 'pg-copy-streams';
import { isPglite, rowsOf } from '../../app/database';
import type { SeedContext, SeedGenerator } from '../generator';

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

/** mulberry32: small, fast and reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)],
    weighted: <T>(xs: Array<[T, number, ...unknown[]]>) => {
      const total = xs.reduce((s, x) => s + x[1], 0);
      let r = next() * total;
      for (const x of xs) if ((r -= x[1]) < 0) return x[0];
      return xs[xs.length - 1][0];
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);
function csv(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return typeof v === 'number' || typeof v === 'boolean' ? v.toString() : JSON.stringify(v);
}

/** Bulk writer: COPY FROM STDIN on PostgreSQL, batched inserts on PGlite. Explicit ids. */
class BulkWriter {
  constructor(private readonly db: Knex) {}

  async write(table: string, columns: string[], rows: unknown[][]) {
    if (!rows.length) return;
    if (isPglite(this.db)) {
      for (let i = 0; i < rows.length; i += 500) {
        await this.db(table).insert(
          rows.slice(i, i + 500).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))),
        );
      }
      return;
    }
    const conn = await this.db.client.acquireConnection();
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = conn.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT csv)`));
        stream.on('error', reject);
        stream.on('finish', resolve);
        const body = rows.map((r) => r.map(csv).join(',')).join('\n') + '\n';
        stream.end(body);
      });
    } finally {
      await this.db.client.releaseConnection(conn);
    }
  }

  async nextId(table: string): Promise<number> {
    return (
      Number(
        rowsOf<{ m: number }>(await this.db.raw(`select coalesce(max(id), 0) as m from ??`, [table]))[0].m,
      ) + 1
    );
  }

  async syncSequence(table: string) {
    await this.db.raw(
      `select setval(pg_get_serial_sequence(?, 'id'), greatest((select max(id) from ??), 1))`,
      [table, table],
    );
  }
}

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

  // Invoices (1–5 lines), payments (succeeded, failed attempts, partial), refunds as status.
  let nextInvoice = await w.nextId('invoices');
  let nextPayment = await w.nextId('payments');
  const invCols = [
    'id',
    'number',
    'status',
    'currency',
    'company_id',
    'issue_date',
    'due_date',
    'subtotal_minor',
    'tax_minor',
    'total_minor',
    'amount_paid_minor',
    'amount_due_minor',
    'created_at',
    'updated_at',
  ];
  const payCols = [
    'id',
    'company_id',
    'invoice_id',
    'amount_minor',
    'currency',
    'method',
    'status',
    'fee_minor',
    'net_minor',
    'paid_at',
    'created_at',
    'updated_at',
  ];
  for (let done = 0; done < n.invoices; done += 25000) {
    const invs: unknown[][] = [];
    const lines: unknown[][] = [];
    const pays: unknown[][] = [];
    for (let i = done; i < Math.min(n.invoices, done + 25000); i++) {
      const c = r.pick(customers);
      const issue = ANCHOR - r.int(0, 1095) * DAY;
      const id = nextInvoice++;
      const roll = r.next();
      const status =
        roll < 0.7
          ? 'paid'
          : roll < 0.9
            ? 'open'
            : roll < 0.95
              ? 'void'
              : roll < 0.98
                ? 'draft'
                : 'uncollectible';
      let subtotal = 0;
      let tax = 0;
      const nLines = r.int(1, 5);
      for (let l = 0; l < nLines; l++) {
        const p = r.pick(products);
        const qty = r.int(1, 4);
        const unit = Math.round(p.price * factor(c.currency));
        const amount = qty * unit;
        const t = Math.round(amount * 0.08);
        subtotal += amount;
        tax += t;
        lines.push([
          nextLine++,
          'invoice',
          id,
          l,
          p.id,
          qty,
          unit,
          c.currency,
          amount,
          t,
          null,
          null,
          iso(issue),
          iso(issue),
        ]);
      }
      const total = subtotal + tax;
      let paid = 0;
      const method = r.weighted([
        ['card', 70],
        ['ach', 25],
        ['manual', 5],
      ] as Array<[string, number]>);
      const fee = (amount: number) =>
        method === 'card'
          ? Math.round(amount * 0.029) + 30
          : method === 'ach'
            ? Math.min(500, Math.round(amount * 0.008))
            : 0;
      const at = issue + r.int(0, 40) * DAY;
      if (status === 'paid' || (status === 'open' && r.next() < 0.5)) {
        if (r.next() < 0.2) {
          pays.push([
            nextPayment++,
            c.id,
            id,
            total,
            c.currency,
            method,
            'failed',
            0,
            0,
            null,
            iso(at - DAY),
            iso(at - DAY),
          ]);
        }
        const amount = status === 'paid' ? total : Math.floor(total / 2);
        paid = amount;
        const refunded = r.next() < 0.03;
        pays.push([
          nextPayment++,
          c.id,
          id,
          amount,
          c.currency,
          method,
          refunded ? 'refunded' : 'succeeded',
          fee(amount),
          amount - fee(amount),
          iso(at),
          iso(at),
          iso(refunded ? at + 10 * DAY : at),
        ]);
      }
      invs.push([
        id,
        `C${opts.seed}-${id}`,
        status,
        c.currency,
        c.id,
        day(issue),
        day(issue + 30 * DAY),
        subtotal,
        tax,
        total,
        paid,
        status === 'void' ? 0 : total - paid,
        iso(issue),
        iso(issue),
      ]);
    }
    await w.write('invoices', invCols, invs);
    await w.write('line_items', lineCols, lines);
    await w.write('payments', payCols, pays);
    counts.invoices += invs.length;
    counts.line_items += lines.length;
    counts.payments += pays.length;
  }
  for (const t of ['invoices', 'line_items', 'payments']) await w.syncSequence(t);
  return counts;
}

export const commerceGenerator: SeedGenerator = {
  name: 'commerce',
  order: 40,
  run: (ctx: SeedContext) => seedCommerce(ctx.db, ctx),
};
