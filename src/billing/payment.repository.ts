import type { Knex } from 'knex';
import type { Db } from '../app/database';

/** SQL for the payments, credit notes and receipts billing writes. */
export class BillingPaymentRepository {
  async insertPayment(trx: Knex.Transaction, row: Record<string, unknown>) {
    const [p] = await trx('payments').insert(row).returning('*');
    return p;
  }

  async payment(db: Db, id: number, forUpdate = false) {
    const q = db('payments').where({ id }).first();
    return forUpdate ? q.forUpdate() : q;
  }

  async paymentByProcessorId(db: Db, processor: string, processorId: string) {
    return db('payments').where({ processor, processor_id: processorId }).first();
  }

  async updatePayment(trx: Knex.Transaction, id: number, patch: Record<string, unknown>) {
    const [p] = await trx('payments')
      .where({ id })
      .update({ ...patch, version: trx.raw('version + 1'), updated_at: trx.fn.now() })
      .returning('*');
    return p;
  }

  async paymentsOf(db: Db, invoiceId: number) {
    return db('payments').where({ invoice_id: invoiceId }).orderBy('id');
  }

  async insertCreditNote(trx: Knex.Transaction, row: Record<string, unknown>) {
    const [c] = await trx('credit_notes').insert(row).returning('*');
    return c;
  }

  async creditNotesOf(db: Db, invoiceId: number) {
    return db('credit_notes').where({ invoice_id: invoiceId }).orderBy('id');
  }

  async insertReceipt(trx: Knex.Transaction, row: Record<string, unknown>) {
    const [r] = await trx('receipts').insert(row).returning('*');
    return r;
  }

  async receipt(db: Db, id: number, forUpdate = false) {
    const q = db('receipts').where({ id }).first();
    return forUpdate ? q.forUpdate() : q;
  }

  async receiptsOf(db: Db, invoiceId: number) {
    return db('receipts').where({ invoice_id: invoiceId }).orderBy('id');
  }

  async markReceiptSent(trx: Knex.Transaction, id: number) {
    const [r] = await trx('receipts')
      .where({ id })
      .update({
        send_count: trx.raw('send_count + 1'),
        last_sent_at: trx.fn.now(),
        version: trx.raw('version + 1'),
        updated_at: trx.fn.now(),
      })
      .returning('*');
    return r;
  }

  async contact(db: Db, id: number | null) {
    if (!id) return undefined;
    return db('contacts').where({ id }).first();
  }

  async company(db: Db, id: number | null) {
    if (!id) return undefined;
    return db('companies').where({ id }).first();
  }
}
