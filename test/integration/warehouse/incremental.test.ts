import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createDb } from '../../../src/app/database';
import * as m0001 from '../../../migrations/0001_foundation';
import * as m0004 from '../../../migrations/0004_warehouse';
import { PublishedReader } from '../../../src/warehouse/warehouse.reader';
import { WarehouseLoader } from '../../../warehouse/loader';
import { createTestDatabase } from '../../support/db';
import { AS_OF, loadFixture } from './fixture';
import { diffWarehouses, query, tableNames } from './helpers';

/** Deterministic pseudo-random stream (mulberry32) so a failure replays. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random changes the way the application makes them: updated_at bumped, deletes logged. */
async function randomChanges(db: Knex, ids: Record<string, number>, seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const now = db.fn.now();
  const lines = (await db('line_items').select('id', 'owner_type')).map((x) => ({
    id: Number(x.id),
    owner: x.owner_type as string,
  }));
  for (let i = 0; i < 6; i++) {
    const l = pick(lines);
    await db('line_items')
      .where({ id: l.id })
      .update({ amount_minor: 1000 + Math.floor(r() * 50000), updated_at: now });
  }
  // Upgrade: end an item, start a new one.
  await db('line_items')
    .where({ owner_type: 'subscription', owner_id: ids.S1 })
    .update({ service_end: '2024-08-01', updated_at: now });
  await db('line_items').insert({
    owner_type: 'subscription',
    owner_id: ids.S1,
    unit_price_minor: 25000,
    amount_minor: 25000,
    currency: 'USD',
    service_start: '2024-08-01',
  });
  await db('subscriptions').where({ id: ids.S7 }).update({
    status: 'canceled',
    end_date: '2024-11-20',
    canceled_at: '2024-11-20T00:00:00Z',
    updated_at: now,
  });
  await db('payments').where({ id: ids.PAY3 }).update({ status: 'refunded', updated_at: now });
  await db('invoices').where({ id: ids.INV5 }).update({ status: 'open', updated_at: now });
  await db('companies')
    .where({ id: ids.C3 })
    .update({ annual_revenue_minor: 200_000_000_000, updated_at: now });
  // New invoice with lines and a payment.
  const [inv] = await db('invoices')
    .insert({
      number: `R${seed}`,
      status: 'paid',
      currency: 'USD',
      company_id: ids.C1,
      issue_date: '2025-01-15',
      due_date: '2025-02-14',
      total_minor: 7777,
      amount_paid_minor: 7777,
    })
    .returning('id');
  await db('line_items').insert({
    owner_type: 'invoice',
    owner_id: inv.id,
    product_id: ids.P1,
    unit_price_minor: 7777,
    amount_minor: 7777,
    currency: 'USD',
  });
  await db('payments').insert({
    company_id: ids.C1,
    invoice_id: inv.id,
    amount_minor: 7777,
    currency: 'USD',
    method: 'ach',
    status: 'succeeded',
    paid_at: '2025-01-20T00:00:00Z',
  });
  // An unpaid invoice for a customer with no payments (its month is reached only via the customer).
  const [open] = await db('invoices')
    .insert({
      number: `O${seed}`,
      status: 'open',
      currency: 'USD',
      company_id: ids.C7,
      issue_date: '2024-08-10',
      due_date: '2024-09-09',
      total_minor: 4242,
      amount_due_minor: 4242,
    })
    .returning('id');
  await db('line_items').insert({
    owner_type: 'invoice',
    owner_id: open.id,
    product_id: ids.P2,
    unit_price_minor: 4242,
    amount_minor: 4242,
    currency: 'USD',
  });
  // A payment with neither company nor contact: its customer is its invoice's company (round 2
  // moves that invoice to another company).
  await db('payments').insert({
    invoice_id: ids.INV4,
    amount_minor: 500,
    currency: 'USD',
    method: 'card',
    status: 'succeeded',
    paid_at: '2024-04-20T00:00:00Z',
    created_at: '2024-04-20T00:00:00Z',
  });
  if (ids.R1) await paymentRecordChanges(db, ids, inv.id);
  // Hard deletes (trigger-logged) and an archive.
  await db('line_items').where({ id: ids.INV2L2 }).delete();
  await db('payments').where({ id: ids.PAY5 }).delete();
  await db('line_items')
    .where({ owner_type: 'subscription', owner_id: ids.S10 })
    .andWhere('service_start', '2024-09-01')
    .update({ archived_at: now, updated_at: now });
}

/** Refunds, disputes, payouts and balance transactions change, appear and disappear (migration 0007). */
async function paymentRecordChanges(db: Knex, ids: Record<string, number>, newInvoice: number) {
  const now = db.fn.now();
  await db('refunds').where({ id: ids.R2 }).update({ amount_minor: 4100, updated_at: now });
  await db('refunds').where({ id: ids.R3 }).update({ status: 'succeeded', updated_at: now });
  const [pay] = await db('payments').where({ invoice_id: newInvoice }).select('id');
  const [r] = await db('refunds')
    .insert({
      payment_id: pay.id,
      amount_minor: 777,
      currency: 'USD',
      status: 'succeeded',
      refunded_at: '2025-02-03T00:00:00Z',
    })
    .returning('id');
  await db('balance_transactions').where({ id: ids.BT3 }).delete();
  await db('refunds').where({ id: ids.R1 }).delete();
  await db('disputes').where({ id: ids.D1 }).update({ status: 'won', updated_at: now });
  await db('payouts')
    .where({ id: ids.PO4 })
    .update({ arrival_date: '2024-06-07', status: 'paid', updated_at: now });
  await db('balance_transactions').insert({
    processor: 'stripe',
    processor_id: 'txn_inc_1',
    type: 'refund',
    category: 'refund',
    refund_id: r.id,
    payout_id: ids.PO4,
    amount_minor: -777,
    fee_minor: 0,
    net_minor: -777,
    currency: 'USD',
    occurred_at: '2025-02-03T00:00:00Z',
  });
  await db('balance_transactions').where({ id: ids.BT5 }).delete();
  await db('balance_transactions')
    .where({ id: ids.BT1 })
    .update({ fee_minor: 600, net_minor: 15900, updated_at: now });
}

/** Changes that move rows between customers, segments and contacts, plus a hard-deleted subscription. */
async function crossCustomerChanges(db: Knex, ids: Record<string, number>) {
  const now = db.fn.now();
  const [x] = await db('contacts')
    .insert({ first_name: 'X', company_id: ids.C2, country: 'FR' })
    .returning('id');
  await db('payments')
    .where({ id: ids.PAY4 })
    .update({ company_id: null, contact_id: x.id, updated_at: now });
  await db('subscriptions')
    .where({ id: ids.S4 })
    .update({ company_id: null, contact_id: x.id, updated_at: now });
  await db('companies')
    .where({ id: ids.C12 })
    .update({ annual_revenue_minor: 900_000_000_00, updated_at: now });
  await db('companies')
    .where({ id: ids.C7 })
    .update({ annual_revenue_minor: 900_000_000_00, updated_at: now });
  await db('line_items').where({ owner_type: 'subscription', owner_id: ids.S6 }).delete();
  await db('subscriptions').where({ id: ids.S6 }).delete();
  await db('invoices').where({ id: ids.INV3 }).update({ contact_id: x.id, updated_at: now });
  // The invoice of round 1's company-less payment moves from C9 to C1 (neither changed otherwise
  // in this round): so does the payment's customer, and its first-payment standing.
  await db('invoices').where({ id: ids.INV4 }).update({ company_id: ids.C1, updated_at: now });
  // The contact moves to another company: everything reached through it changes customer.
  await db('contacts').where({ id: x.id }).update({ company_id: ids.C3, updated_at: now });
  // A refund moves to another payment (another invoice and customer).
  if (ids.R4)
    await db('refunds')
      .where({ id: ids.R4 })
      .update({ payment_id: ids.PAY1, currency: 'USD', updated_at: now });
}

async function expectSame(db: Knex, inc: string, full: string) {
  rmSync(full, { force: true });
  await new WarehouseLoader({ db, path: full, asOf: AS_OF }).run('full');
  const diff = await diffWarehouses(inc, full);
  expect(Object.entries(diff).filter(([, [a, b]]) => a || b)).toEqual([]);
}

async function scenario(db: Knex, dir: string) {
  const ids = await loadFixture(db);
  const inc = join(dir, 'incremental.duckdb');
  const full = join(dir, 'full.duckdb');
  const load = (kind: 'full' | 'incremental') =>
    new WarehouseLoader({ db, path: inc, asOf: AS_OF }).run(kind);
  await load('full');
  const mrr = async () =>
    (await query(inc, `SELECT mrr_minor FROM mart_mrr_monthly WHERE month = DATE '2025-02-01'`))[0].mrr_minor;
  const before = await mrr();

  // 1. Everyday changes: only the affected slices are rebuilt.
  await randomChanges(db, ids, 7);
  const res = await load('incremental');
  expect(res).toMatchObject({
    kind: 'incremental',
    published: true,
    deleted: { line_items: 1, payments: 1 },
  });
  if (ids.R1) expect(res.deleted).toMatchObject({ refunds: 1, balance_transactions: 2 });
  expect(res.affected).toBeDefined();
  expect(res.affected!._aff_invoice).toBeGreaterThan(0);
  expect(await mrr()).not.toBe(before); // the changes reached the marts
  const tables = await tableNames(inc);
  expect(tables).toEqual(
    expect.arrayContaining(['raw_invoices', 'fct_invoice_line', 'mart_mrr_monthly', 'mart_revenue_monthly']),
  );
  await expectSame(db, inc, full);

  // 2. Rows change customer, segment and contact; a subscription disappears.
  await crossCustomerChanges(db, ids);
  const res2 = await load('incremental');
  expect(res2.affected).toBeDefined();
  await expectSame(db, inc, full);

  // 3. A new exchange rate moves every converted figure: all models are rebuilt.
  await db('fx_rates').insert({ currency: 'JPY', rate_date: '2024-09-01', rate: '0.0065' });
  const res3 = await load('incremental');
  expect(res3.published).toBe(true);
  expect(res3.affected).toBeUndefined();
  await expectSame(db, inc, full);

  // A further incremental with nothing changed keeps the published file as it is.
  expect((await load('incremental')).published).toBe(false);
}

describe('full rebuild and incremental refresh give identical tables', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wh-inc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on PostgreSQL (COPY full load vs keyset incremental)', async () => {
    const tdb = await createTestDatabase();
    try {
      await scenario(tdb.db, dir);
    } finally {
      await tdb.drop();
    }
  });

  it('on embedded PGlite (keyset pages on one connection)', async () => {
    const db = await createDb({ pgliteDir: 'memory://' });
    try {
      // Only the schema the warehouse reads (0001 + 0004), so this test depends on nobody else's migration.
      await m0001.up(db);
      await m0004.up(db);
      await scenario(db, dir);
    } finally {
      await db.destroy();
    }
  });
});

describe('an incremental refresh updates the published file in place', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wh-inplace-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const febMrr = `SELECT mrr_minor FROM mart_mrr_monthly WHERE month = DATE '2025-02-01'`;
  const read = (reader: PublishedReader) =>
    reader.withConnection(async (conn) => Number((await conn.runAndReadAll(febMrr)).getRowsJS()[0][0]));

  it('readers see the previous state until COMMIT, then the new one; the file is not replaced', async () => {
    const tdb = await createTestDatabase();
    const path = join(dir, 'w.duckdb');
    const reports = new PublishedReader(path);
    const sandbox = new PublishedReader(path, { enable_external_access: 'false' });
    try {
      const ids = await loadFixture(tdb.db);
      await new WarehouseLoader({ db: tdb.db, path, asOf: AS_OF }).run('full');
      const before = await read(reports);
      expect(await read(sandbox)).toBe(before);
      const inode = statSync(path).ino;
      const mtime = statSync(path).mtimeMs;
      // S1 goes from 100.00 to 250.00 a month from August 2024.
      await tdb
        .db('line_items')
        .where({ owner_type: 'subscription', owner_id: ids.S1 })
        .update({ amount_minor: 25000, updated_at: tdb.db.fn.now() });
      let during: number | undefined;
      let sandboxDone = 0;
      let sandboxRead: Promise<number> | undefined;
      let committed = 0;
      const res = await new WarehouseLoader({
        db: tdb.db,
        path,
        asOf: AS_OF,
        beforeCommit: async () => {
          // Everything is written but not committed: a report reads the old state (MVCC on the
          // loader's instance); the sandbox cannot borrow it and waits for the write to end.
          during = await read(reports);
          sandboxRead = read(sandbox).then((v) => {
            sandboxDone = performance.now();
            return v;
          });
        },
        onProgress: (p) => {
          if (p.phase === 'done') committed = performance.now();
        },
      }).run('incremental');
      expect(res.published).toBe(true);
      expect(during).toBe(before);
      expect(await sandboxRead).toBe(before + 15000);
      expect(sandboxDone).toBeGreaterThanOrEqual(committed);
      expect(await read(reports)).toBe(before + 15000);
      expect(statSync(path).ino).toBe(inode); // updated in place, not copied and swapped
      // The refresh may live in the WAL only: any new read-only open replays it, and the file's
      // mtime moves so the readers' and dashboards' file keys see a new warehouse.
      expect(statSync(path).mtimeMs).toBeGreaterThan(mtime);
      expect((await query(path, febMrr))[0].mrr_minor).toBe(before + 15000);
    } finally {
      reports.close();
      sandbox.close();
      await tdb.drop();
    }
  });

  it('falls back to copy and swap while another process has the file open', async () => {
    const tdb = await createTestDatabase();
    const path = join(dir, 'w.duckdb');
    try {
      const ids = await loadFixture(tdb.db);
      await new WarehouseLoader({ db: tdb.db, path, asOf: AS_OF }).run('full');
      const inode = statSync(path).ino;
      // Another process (e.g. the dashboards build) holds the file read-only until its stdin closes.
      const child = spawn(
        process.execPath,
        [
          '-e',
          `const { DuckDBInstance } = require(${JSON.stringify(require.resolve('@duckdb/node-api'))});
           DuckDBInstance.create(${JSON.stringify(path)}, { access_mode: 'READ_ONLY' }).then(() => {
             console.log('open'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));
           });`,
        ],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      try {
        await tdb
          .db('line_items')
          .where({ owner_type: 'subscription', owner_id: ids.S1 })
          .update({ amount_minor: 25000, updated_at: tdb.db.fn.now() });
        const res = await new WarehouseLoader({ db: tdb.db, path, asOf: AS_OF }).run('incremental');
        expect(res.published).toBe(true);
      } finally {
        child.stdin.end();
        await new Promise((r) => child.once('exit', r));
      }
      expect(statSync(path).ino).not.toBe(inode); // a new file was swapped in
      const full = join(dir, 'full.duckdb');
      await new WarehouseLoader({ db: tdb.db, path: full, asOf: AS_OF }).run('full');
      const diff = await diffWarehouses(path, full);
      expect(Object.entries(diff).filter(([, [a, b]]) => a || b)).toEqual([]);
    } finally {
      await tdb.drop();
    }
  });
});
