import type { Knex } from 'knex';
import type { Db } from '../app/database';

export type InvoiceRow = Record<string, any> & {
  id: number;
  version: number;
  status: string;
  currency: string;
  number: string | null;
  total_minor: number;
  amount_paid_minor: number;
  amount_due_minor: number;
  amount_credited_minor: number;
};
export type LineRow = Record<string, any> & { id: number; position: number };

/** All SQL for invoices, their lines and number sequences. */
export class InvoiceRepository {
  async insert(trx: Knex.Transaction, row: Record<string, unknown>): Promise<InvoiceRow> {
    const [created] = await trx('invoices').insert(row).returning('*');
    return created;
  }

  async get(db: Db, id: number, forUpdate = false): Promise<InvoiceRow | undefined> {
    const q = db('invoices').where({ id }).first();
    return forUpdate ? q.forUpdate() : q;
  }

  async getByToken(db: Db, token: string): Promise<InvoiceRow | undefined> {
    return db('invoices').where({ public_token: token }).whereNull('archived_at').first();
  }

  async update(trx: Knex.Transaction, id: number, patch: Record<string, unknown>): Promise<InvoiceRow> {
    const [row] = await trx('invoices')
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return row;
  }

  async lines(db: Db, invoiceId: number): Promise<LineRow[]> {
    return db('line_items')
      .where({ owner_type: 'invoice', owner_id: invoiceId })
      .whereNull('archived_at')
      .orderBy(['position', 'id']);
  }

  /** Lines are replaced as a whole: the invoice's version tracks them. */
  async replaceLines(trx: Knex.Transaction, invoiceId: number, rows: Record<string, unknown>[]) {
    await trx('line_items').where({ owner_type: 'invoice', owner_id: invoiceId }).delete();
    if (!rows.length) return [];
    return trx('line_items')
      .insert(rows.map((r) => ({ ...r, owner_type: 'invoice', owner_id: invoiceId })))
      .returning('*') as Promise<LineRow[]>;
  }

  async updateLine(trx: Knex.Transaction, id: number, patch: Record<string, unknown>) {
    await trx('line_items')
      .where({ id })
      .update({ ...patch, updated_at: trx.fn.now() });
  }

  async taxRates(db: Db, ids: number[]) {
    if (!ids.length) return [];
    return db('tax_rates').whereIn('id', ids).whereNull('archived_at');
  }

  async products(db: Db, ids: number[]) {
    if (!ids.length) return [];
    return db('products').whereIn('id', ids).whereNull('archived_at');
  }

  /** Ids among `ids` in `table` that exist and are not archived. */
  async liveIds(db: Db, table: string, ids: number[]): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows = await db(table).whereIn('id', ids).whereNull('archived_at').select('id');
    return new Set(rows.map((r: { id: number }) => r.id));
  }

  /**
   * Next number of a sequence. The counter row is locked FOR UPDATE until the caller's transaction
   * ends, so concurrent issuers (in any process) queue on it and a rollback leaves no gap.
   */
  async nextNumber(trx: Knex.Transaction, prefix: string): Promise<number> {
    await trx('number_sequences').insert({ prefix, next_value: 1 }).onConflict('prefix').ignore();
    const row = await trx('number_sequences').where({ prefix }).forUpdate().first();
    const value = Number(row.next_value);
    await trx('number_sequences')
      .where({ prefix })
      .update({ next_value: value + 1, updated_at: trx.fn.now() });
    return value;
  }

  /** Open invoices whose due date has passed and are not flagged overdue yet. */
  async newlyOverdue(db: Db, today: string, limit: number): Promise<InvoiceRow[]> {
    return db('invoices')
      .where({ status: 'open' })
      .whereNull('overdue_since')
      .whereNull('archived_at')
      .where('due_date', '<', today)
      .orderBy('id')
      .limit(limit);
  }

  async dueBetween(db: Db, from: string, to: string): Promise<InvoiceRow[]> {
    return db('invoices')
      .where({ status: 'open' })
      .whereNull('archived_at')
      .whereBetween('due_date', [from, to])
      .orderBy('id');
  }
}
