import type { Knex } from 'knex';

/** Tables the warehouse loader extracts; each gets an updated_at index and a delete trigger. */
export const WAREHOUSE_SOURCES = [
  'companies',
  'contacts',
  'products',
  'invoices',
  'line_items',
  'payments',
  'subscriptions',
  'fx_rates',
];

export async function up(knex: Knex): Promise<void> {
  // Units of the warehouse base currency (USD) per one major unit of `currency`, effective from
  // rate_date until the next row. Exact decimal: conversions never go through a float column.
  await knex.schema.createTable('fx_rates', (t) => {
    t.bigIncrements('id').primary();
    t.integer('version').notNullable().defaultTo(1);
    t.string('currency', 3).notNullable();
    t.date('rate_date').notNullable();
    t.decimal('rate', 24, 12).notNullable();
    t.text('source').notNullable().defaultTo('manual');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('archived_at', { useTz: true });
    t.unique(['currency', 'rate_date']);
    t.check('rate > 0', [], 'fx_rates_rate_check');
  });

  await knex.schema.createTable('warehouse_runs', (t) => {
    t.bigIncrements('id').primary();
    t.text('kind').notNullable();
    t.text('status').notNullable().defaultTo('running');
    t.text('phase');
    t.text('trigger').notNullable().defaultTo('manual');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('watermark', { useTz: true });
    t.jsonb('rows').notNullable().defaultTo('{}');
    t.integer('duration_ms');
    t.text('error');
    t.check(`kind in ('full','incremental')`, [], 'warehouse_runs_kind_check');
    t.check(`status in ('running','succeeded','failed')`, [], 'warehouse_runs_status_check');
    t.index(['started_at']);
  });

  // Hard deletes leave no row to extract by watermark: a trigger records them here.
  await knex.schema.createTable('warehouse_deletions', (t) => {
    t.bigIncrements('id').primary();
    t.text('table_name').notNullable();
    t.bigInteger('row_id').notNullable();
    t.timestamp('deleted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['deleted_at']);
  });

  await knex.raw(`
    create or replace function warehouse_capture_delete() returns trigger language plpgsql as $$
    begin
      insert into warehouse_deletions (table_name, row_id) values (TG_TABLE_NAME, OLD.id);
      return OLD;
    end $$`);
  for (const table of WAREHOUSE_SOURCES) {
    // Keyset extraction walks (updated_at, id): this index makes every page an index range scan.
    await knex.raw(`create index if not exists ??  on ?? (updated_at, id)`, [
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
  for (const table of WAREHOUSE_SOURCES) {
    if (table === 'fx_rates') continue;
    await knex.raw(`drop trigger if exists ?? on ??`, [`${table}_wh_delete`, table]);
    await knex.raw(`drop index if exists ??`, [`${table}_wh_updated_idx`]);
  }
  await knex.schema.dropTableIfExists('fx_rates');
  await knex.raw('drop function if exists warehouse_capture_delete()');
  await knex.schema.dropTableIfExists('warehouse_deletions');
  await knex.schema.dropTableIfExists('warehouse_runs');
}
