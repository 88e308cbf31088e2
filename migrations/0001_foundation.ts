import type { Knex } from 'knex';

/** Every canonical table carries these: id, version, created_at, updated_at, archived_at. */
function canonical(t: Knex.CreateTableBuilder, knex: Knex) {
  t.bigIncrements('id').primary();
  t.integer('version').notNullable().defaultTo(1);
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('archived_at', { useTz: true }).nullable();
}

export const FREQUENCIES = [
  'one_time',
  'weekly',
  'biweekly',
  'monthly',
  'quarterly',
  'semiannual',
  'annual',
  'every_2_years',
  'every_3_years',
  'every_4_years',
  'every_5_years',
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    canonical(t, knex);
    t.text('name').notNullable();
    t.text('role').notNullable();
    t.text('prefix').notNullable();
    t.text('key_hash').notNullable().unique();
    t.timestamp('last_used_at', { useTz: true });
    t.check(`role in ('admin','finance','analyst','viewer')`, [], 'api_keys_role_check');
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.bigInteger('actor_key_id');
    t.text('actor_role');
    t.text('action').notNullable();
    t.text('object').notNullable();
    t.bigInteger('object_id');
    t.jsonb('before');
    t.jsonb('after');
    t.text('request_id');
    t.index(['object', 'object_id']);
  });

  await knex.schema.createTable('sync_outbox', (t) => {
    t.bigIncrements('id').primary();
    t.text('object').notNullable();
    t.bigInteger('object_id').notNullable();
    t.integer('version').notNullable();
    t.text('op').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`op in ('create','update','archive','restore','delete')`, [], 'sync_outbox_op_check');
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.text('scope').notNullable();
    t.text('key').notNullable();
    t.text('request_hash').notNullable();
    t.text('state').notNullable().defaultTo('in_progress');
    t.integer('response_status');
    t.text('response_body');
    t.text('response_type');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['scope', 'key']);
    t.index(['created_at']);
  });

  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('tax_rates', (t) => {
    canonical(t, knex);
    t.text('name').notNullable();
    t.text('code').notNullable();
    t.decimal('rate', 9, 6).notNullable();
    t.boolean('inclusive').notNullable().defaultTo(false);
    t.boolean('compound').notNullable().defaultTo(false);
    t.text('country');
    t.text('region');
    t.text('description');
    t.unique(['code']);
    t.check('rate >= 0 and rate <= 100', [], 'tax_rates_rate_check');
  });

  await knex.schema.createTable('companies', (t) => {
    canonical(t, knex);
    t.text('name').notNullable();
    t.text('domain');
    t.text('industry');
    t.text('country');
    t.text('city');
    t.text('phone');
    t.text('lifecycle_stage');
    t.bigInteger('annual_revenue_minor');
    t.string('currency', 3);
    t.jsonb('properties').notNullable().defaultTo('{}');
  });

  await knex.schema.createTable('contacts', (t) => {
    canonical(t, knex);
    t.text('first_name');
    t.text('last_name');
    t.text('email');
    t.text('phone');
    t.text('job_title');
    t.text('country');
    t.text('lifecycle_stage');
    t.bigInteger('company_id').references('companies.id');
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.index(['company_id']);
    t.index(['email']);
  });

  await knex.schema.createTable('deals', (t) => {
    canonical(t, knex);
    t.text('name').notNullable();
    t.text('pipeline').notNullable().defaultTo('default');
    t.text('stage').notNullable();
    t.bigInteger('amount_minor');
    t.string('currency', 3);
    t.date('close_date');
    t.bigInteger('company_id').references('companies.id');
    t.bigInteger('contact_id').references('contacts.id');
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.index(['company_id']);
  });

  await knex.schema.createTable('associations', (t) => {
    canonical(t, knex);
    t.text('from_object').notNullable();
    t.bigInteger('from_id').notNullable();
    t.text('to_object').notNullable();
    t.bigInteger('to_id').notNullable();
    t.text('label').notNullable().defaultTo('');
    t.unique(['from_object', 'from_id', 'to_object', 'to_id', 'label']);
    t.index(['to_object', 'to_id']);
  });

  await knex.schema.createTable('products', (t) => {
    canonical(t, knex);
    t.text('name').notNullable();
    t.text('sku').notNullable();
    t.text('description');
    t.bigInteger('price_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('frequency').notNullable().defaultTo('one_time');
    t.bigInteger('tax_rate_id').references('tax_rates.id');
    t.text('income_account_key');
    t.boolean('active').notNullable().defaultTo(true);
    t.unique(['sku']);
    t.check(`frequency in (${FREQUENCIES.map((f) => `'${f}'`).join(',')})`, [], 'products_frequency_check');
  });

  await knex.schema.createTable('invoices', (t) => {
    canonical(t, knex);
    t.text('number');
    t.text('status').notNullable().defaultTo('draft');
    t.string('currency', 3).notNullable();
    t.bigInteger('company_id').references('companies.id');
    t.bigInteger('contact_id').references('contacts.id');
    t.bigInteger('deal_id').references('deals.id');
    t.text('terms').notNullable().defaultTo('net_30');
    t.date('issue_date');
    t.date('due_date');
    t.text('source').notNullable().defaultTo('manual');
    t.bigInteger('source_id');
    // Derived from line_items in the same transaction that changes them; never set independently.
    t.bigInteger('subtotal_minor').notNullable().defaultTo(0);
    t.bigInteger('discount_minor').notNullable().defaultTo(0);
    t.bigInteger('tax_minor').notNullable().defaultTo(0);
    t.bigInteger('total_minor').notNullable().defaultTo(0);
    t.bigInteger('amount_paid_minor').notNullable().defaultTo(0);
    t.bigInteger('amount_due_minor').notNullable().defaultTo(0);
    t.text('memo');
    t.unique(['number']);
    t.check(`status in ('draft','open','paid','void','uncollectible')`, [], 'invoices_status_check');
    t.check(`source in ('quote','subscription','payment_link','manual')`, [], 'invoices_source_check');
    t.index(['company_id']);
  });

  await knex.schema.createTable('subscriptions', (t) => {
    canonical(t, knex);
    t.bigInteger('company_id').references('companies.id');
    t.bigInteger('contact_id').references('contacts.id');
    t.text('status').notNullable().defaultTo('active');
    t.text('frequency').notNullable();
    t.string('currency', 3).notNullable();
    t.date('start_date').notNullable();
    t.date('next_bill_date');
    t.date('end_date');
    t.text('collection').notNullable().defaultTo('send_invoice');
    t.timestamp('canceled_at', { useTz: true });
    t.check(
      `status in ('scheduled','active','past_due','paused','canceled','ended')`,
      [],
      'subscriptions_status_check',
    );
    t.check(`collection in ('auto_charge','send_invoice')`, [], 'subscriptions_collection_check');
    t.index(['company_id']);
  });

  await knex.schema.createTable('line_items', (t) => {
    canonical(t, knex);
    t.text('owner_type').notNullable();
    t.bigInteger('owner_id').notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.bigInteger('product_id').references('products.id');
    t.text('description');
    t.decimal('quantity', 18, 6).notNullable().defaultTo(1);
    t.bigInteger('unit_price_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('discount_type');
    t.decimal('discount_value', 18, 6);
    t.bigInteger('discount_minor').notNullable().defaultTo(0);
    t.bigInteger('fees_minor').notNullable().defaultTo(0);
    t.bigInteger('tax_rate_id').references('tax_rates.id');
    t.bigInteger('amount_minor').notNullable().defaultTo(0);
    t.bigInteger('tax_minor').notNullable().defaultTo(0);
    t.date('service_start');
    t.date('service_end');
    t.check(
      `owner_type in ('quote','invoice','payment_link','subscription')`,
      [],
      'line_items_owner_type_check',
    );
    t.index(['owner_type', 'owner_id']);
  });

  await knex.schema.createTable('payments', (t) => {
    canonical(t, knex);
    t.bigInteger('company_id').references('companies.id');
    t.bigInteger('contact_id').references('contacts.id');
    t.bigInteger('invoice_id').references('invoices.id');
    t.bigInteger('subscription_id').references('subscriptions.id');
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('method').notNullable();
    t.text('status').notNullable();
    t.text('processor');
    t.text('processor_id');
    t.bigInteger('fee_minor').notNullable().defaultTo(0);
    t.bigInteger('net_minor');
    t.timestamp('paid_at', { useTz: true });
    t.text('reference');
    t.check(`method in ('card','ach','manual','other')`, [], 'payments_method_check');
    t.check(
      `status in ('pending','processing','succeeded','failed','canceled','refunded','partially_refunded','disputed')`,
      [],
      'payments_status_check',
    );
    t.unique(['processor', 'processor_id']);
    t.index(['contact_id']);
    t.index(['company_id']);
    t.index(['invoice_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'payments',
    'line_items',
    'subscriptions',
    'invoices',
    'products',
    'associations',
    'deals',
    'contacts',
    'companies',
    'tax_rates',
    'settings',
    'idempotency_keys',
    'sync_outbox',
    'audit_log',
    'api_keys',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
