import type { Knex } from 'knex';
import { createDb, rowsOf } from '../../../src/app/database';
import { migrateLatest } from '../../../migrations';
import { seedCommerce } from '../../../src/seed/generators/commerce.generator';
import { createTestDatabase } from '../../support/db';

async function fingerprint(db: Knex) {
  const q = async (sql: string) => rowsOf<any>(await db.raw(sql))[0];
  return {
    invoices: await q(
      `select count(*)::int as n, sum(total_minor)::text as total, count(distinct status)::int as statuses from invoices`,
    ),
    lines: await q(`select count(*)::int as n, sum(amount_minor)::text as amount from line_items`),
    payments: await q(
      `select count(*)::int as n, sum(amount_minor)::text as amount, count(distinct method)::int as methods from payments`,
    ),
    subs: await q(`select count(*)::int as n, count(distinct frequency)::int as freqs from subscriptions`),
    // Totals are derived from lines, never independent of them.
    refunds: await q(
      `select count(*)::int as n, sum(amount_minor)::text as amount, count(distinct status)::int as statuses from refunds`,
    ),
    disputes: await q(`select count(*)::int as n, sum(fee_minor)::text as fees from disputes`),
    payouts: await q(`select count(*)::int as n, sum(amount_minor)::text as amount from payouts`),
    // A payout carries exactly the net of the transactions it pays out (its own one excluded).
    payoutMismatch: await q(
      `select count(*)::int as n from payouts p where p.amount_minor <> (select coalesce(sum(net_minor), 0) from balance_transactions b where b.payout_id = p.id and b.category <> 'payout')`,
    ),
    // Refunds never exceed the payment they return.
    overRefunded: await q(
      `select count(*)::int as n from payments p where p.amount_minor < (select coalesce(sum(amount_minor), 0) from refunds r where r.payment_id = p.id)`,
    ),
    mismatched: await q(
      `select count(*)::int as n from invoices i where total_minor <> (select coalesce(sum(amount_minor + tax_minor), 0) from line_items l where l.owner_type = 'invoice' and l.owner_id = i.id)`,
    ),
  };
}

describe('commerce seed generator', () => {
  it('writes the same data for the same seed on PostgreSQL (COPY) and PGlite (inserts)', async () => {
    const pg = await createTestDatabase();
    const lite = await createDb({ pgliteDir: 'memory://' });
    try {
      await migrateLatest(lite);
      const opts = { profile: 'demo' as const, scale: 0.05, seed: 42 };
      const a = await seedCommerce(pg.db, opts);
      const b = await seedCommerce(lite, opts);
      expect(a).toEqual(b);
      expect(a).toMatchObject({ invoices: 100, subscriptions: 10, companies: 10 });
      const fa = await fingerprint(pg.db);
      expect(fa).toEqual(await fingerprint(lite));
      expect(fa.mismatched.n).toBe(0);
      expect(fa.invoices.statuses).toBeGreaterThanOrEqual(4);
      expect(fa.refunds.n).toBeGreaterThan(0);
      expect(fa.payouts.n).toBeGreaterThan(0);
      expect(fa.payoutMismatch.n).toBe(0);
      expect(fa.overRefunded.n).toBe(0);
      // Sequences follow the explicit ids: the application can insert afterwards.
      const [row] = await pg.db('invoices').insert({ currency: 'USD' }).returning('id');
      expect(Number(row.id)).toBe(fa.invoices.n + 1);
    } finally {
      await pg.drop();
      await lite.destroy();
    }
  });
});
