import type { Knex } from 'knex';

/**
 * The warehouse extracts the payments tables of migration 0007 like the sources of 0004: an
 * (updated_at, id) index for keyset pages of changed rows, and a trigger that logs hard deletes
 * into warehouse_deletions (same function as 0004) so an incremental refresh drops them too.
 */
export const WAREHOUSE_PAYMENT_SOURCES = ['refunds', 'disputes', 'payouts', 'balance_transactions'];

export async function up(knex: Knex): Promise<void> {
  for (const table of WAREHOUSE_PAYMENT_SOURCES) {
    await knex.raw(`create index if not exists ?? on ?? (updated_at, id)`, [
      `${table}_wh_updated_idx`,
      table,
    ]);
    await knex.raw(
      `create trigger ?? after delete on ?? for each row execute function warehouse_capture_delete()`,
      [`${table}_wh_delete`, table],
    );
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of WAREHOUSE_PAYMENT_SOURCES) {
    await knex.raw(`drop trigger if exists ?? on ??`, [`${table}_wh_delete`, table]);
    await knex.raw(`drop index if exists ??`, [`${table}_wh_updated_idx`]);
  }
}
