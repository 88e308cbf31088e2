import type { Knex } from 'knex';
import type { Db } from '../app/database';

export type Row = Record<string, any>;

/**
 * Id lists are looked up in chunks: a payout page brings the balance transactions of up to 100
 * payouts (over 100,000 ids in a backfill), and PostgreSQL takes at most 65,535 bind parameters.
 */
const CHUNK = 10_000;
async function chunked<T>(ids: string[], fn: (part: string[]) => Promise<T[]>): Promise<T[]> {
  if (ids.length <= CHUNK) return fn(ids);
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await fn(ids.slice(i, i + CHUNK))));
  return out;
}

/** All SQL of payments, refunds, disputes, payouts and balance transactions. */
export class PaymentRepository {
  async paymentsByProcessorIds(db: Db, processor: string, ids: string[], lock = false): Promise<Row[]> {
    if (!ids.length) return [];
    return chunked(ids, async (part) => {
      const q = db('payments').where({ processor }).whereIn('processor_id', part);
      return lock ? q.forUpdate() : q;
    });
  }

  async payment(db: Db, id: number, lock = false): Promise<Row | undefined> {
    const q = db('payments').where({ id }).first();
    return lock ? q.forUpdate() : q;
  }

  async insert(trx: Knex.Transaction, table: string, rows: Row[]): Promise<Row[]> {
    if (!rows.length) return [];
    return trx(table).insert(rows).returning('*');
  }

  async update(trx: Knex.Transaction, table: string, id: number, patch: Row): Promise<Row> {
    const [row] = await trx(table)
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return row;
  }

  /**
   * Many updates in one statement per group of rows patching the same columns: the patches travel
   * as one JSON parameter and jsonb_populate_record types each value by the table's own columns.
   * Returns [before, after] pairs in the order given.
   */
  async updateMany(trx: Knex.Transaction, table: string, items: [Row, Row][]): Promise<[Row, Row][]> {
    const groups = new Map<string, [Row, Row][]>();
    for (const it of items) {
      const key = Object.keys(it[1]).sort().join(',');
      const group = groups.get(key);
      if (group) group.push(it);
      else groups.set(key, [it]);
    }
    const after = new Map<number, Row>();
    for (const [key, group] of groups) {
      const cols = key.split(',');
      const set = cols.map((c) => `"${c}"`).join(', ');
      const get = cols.map((c) => `r."${c}"`).join(', ');
      for (let i = 0; i < group.length; i += CHUNK) {
        const docs = group.slice(i, i + CHUNK).map(([b, patch]) => ({ ...patch, id: b.id }));
        const { rows } = await trx.raw(
          `update ?? as t set (${set}, version, updated_at) =
             (select ${get}, t.version + 1, now() from jsonb_populate_record(null::??, v.doc) r)
           from jsonb_array_elements(?::jsonb) as v(doc)
           where t.id = (v.doc->>'id')::bigint
           returning t.*`,
          [table, table, JSON.stringify(docs)],
        );
        for (const r of rows as Row[]) after.set(Number(r.id), r);
      }
    }
    return items.map(([b]) => [b, after.get(b.id)!]);
  }

  async history(trx: Knex.Transaction, rows: Row[]) {
    if (rows.length) await trx('payment_status_history').insert(rows);
  }

  async statusHistory(db: Db, paymentId: number) {
    return db('payment_status_history')
      .where({ payment_id: paymentId })
      .orderBy([{ column: 'at' }, { column: 'id' }])
      .select('from_status', 'status', 'at', 'source');
  }

  /** Stripe customers the sync push linked to contacts/companies: customer id → owner. */
  async customerOwners(db: Db, connectionId: number, customerIds: string[]) {
    const out = new Map<string, { contact_id: number | null; company_id: number | null }>();
    if (!customerIds.length) return out;
    const links = await db('external_links')
      .where({ connection_id: connectionId })
      .whereIn('object', ['contact', 'company'])
      .whereIn('external_id', customerIds)
      .select('object', 'local_id', 'external_id');
    const contactIds = links.filter((l) => l.object === 'contact').map((l) => l.local_id);
    const companyOf = new Map<number, number | null>();
    if (contactIds.length) {
      for (const c of await db('contacts').whereIn('id', contactIds).select('id', 'company_id'))
        companyOf.set(c.id, c.company_id);
    }
    for (const l of links) {
      out.set(
        l.external_id,
        l.object === 'contact'
          ? { contact_id: l.local_id, company_id: companyOf.get(l.local_id) ?? null }
          : { contact_id: null, company_id: l.local_id },
      );
    }
    return out;
  }

  async invoices(db: Db, ids: number[]) {
    if (!ids.length) return new Map<number, Row>();
    const rows = await db('invoices').whereIn('id', ids).select('id', 'currency', 'status');
    return new Map(rows.map((r) => [r.id as number, r]));
  }

  async byProcessorIds(db: Db, table: string, processor: string, ids: string[], lock = false) {
    if (!ids.length) return new Map<string, Row>();
    const rows = await chunked(ids, async (part) => {
      const q = db(table).where({ processor }).whereIn('processor_id', part);
      return (await (lock ? q.forUpdate() : q)) as Row[];
    });
    return new Map(rows.map((r: Row) => [r.processor_id as string, r]));
  }

  async knownChargeIds(db: Db, processor: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await chunked(ids, (part) =>
      db('payments').where({ processor }).whereIn('processor_id', part).select('processor_id'),
    );
    return new Set(rows.map((r) => r.processor_id as string));
  }

  async payoutTransactions(db: Db, payoutId: number) {
    return db('balance_transactions as b')
      .leftJoin('payments as p', 'p.id', 'b.payment_id')
      .where('b.payout_id', payoutId)
      .orderBy('b.occurred_at')
      .orderBy('b.id')
      .select(
        'b.id',
        'b.processor_id',
        'b.type',
        'b.category',
        'b.source_external_id',
        'b.payment_id',
        'b.refund_id',
        'b.dispute_id',
        'b.amount_minor',
        'b.fee_minor',
        'b.net_minor',
        'b.currency',
        'b.occurred_at',
        'p.contact_id',
        'p.company_id',
        'p.invoice_id',
      );
  }
}
