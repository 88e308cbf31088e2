import type { Knex } from 'knex';

/**
 * The invoice list is an index endpoint like every other object's (filter language, keyset cursor):
 * each sortable field gets a (field, id) index over live rows so any page is one range scan.
 */
const SORTS = ['number', 'issue_date', 'due_date', 'amount_due_minor', 'created_at'];

export async function up(knex: Knex): Promise<void> {
  for (const c of SORTS)
    await knex.raw(`create index invoices_q_${c}_id on invoices (${c}, id) where archived_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  for (const c of SORTS) await knex.raw(`drop index if exists invoices_q_${c}_id`);
}
