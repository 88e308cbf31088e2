import type { Knex } from 'knex';

/** Billing: numbering, templates, email outbox, receipts, credit notes, pay-page tokens. */

function canonical(t: Knex.CreateTableBuilder, knex: Knex) {
  t.bigIncrements('id').primary();
  t.integer('version').notNullable().defaultTo(1);
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('archived_at', { useTz: true }).nullable();
}

export const TERMS = [
  'due_on_receipt',
  'net_7',
  'net_10',
  'net_15',
  'net_30',
  'net_45',
  'net_60',
  'net_90',
  'custom',
];

export async function up(knex: Knex): Promise<void> {
  // One counter row per prefix, locked FOR UPDATE by the issuing transaction: numbers are gap-free
  // because a rolled-back issue also rolls back its increment.
  await knex.schema.createTable('number_sequences', (t) => {
    t.text('prefix').primary();
    t.bigInteger('next_value').notNullable().defaultTo(1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('templates', (t) => {
    canonical(t, knex);
    t.text('kind').notNullable();
    t.text('name').notNullable();
    t.boolean('is_default').notNullable().defaultTo(false);
    t.jsonb('theme').notNullable().defaultTo('{}');
    t.jsonb('sections').notNullable().defaultTo('{}');
    t.check(`kind in ('quote','invoice','receipt','email')`, [], 'templates_kind_check');
  });
  await knex.raw(
    'create unique index templates_one_default on templates (kind) where is_default and archived_at is null',
  );

  await knex.schema.alterTable('invoices', (t) => {
    t.text('number_prefix').notNullable().defaultTo('INV');
    t.text('document_discount_type');
    t.decimal('document_discount_value', 18, 6);
    t.bigInteger('document_fees_minor').notNullable().defaultTo(0);
    t.bigInteger('fees_minor').notNullable().defaultTo(0);
    t.bigInteger('net_minor').notNullable().defaultTo(0);
    t.bigInteger('amount_credited_minor').notNullable().defaultTo(0);
    t.jsonb('tax_summary').notNullable().defaultTo('[]');
    t.text('rounding_mode').notNullable().defaultTo('half_up');
    t.text('rounding_level').notNullable().defaultTo('line');
    t.bigInteger('template_id').references('templates.id');
    t.text('public_token').unique();
    t.timestamp('finalized_at', { useTz: true });
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('paid_at', { useTz: true });
    t.timestamp('voided_at', { useTz: true });
    t.text('void_reason');
    t.timestamp('uncollectible_at', { useTz: true });
    t.date('overdue_since');
    t.check(`terms in (${TERMS.map((x) => `'${x}'`).join(',')})`, [], 'invoices_terms_check');
    t.check(`rounding_mode in ('half_up','half_even')`, [], 'invoices_rounding_mode_check');
    t.check(`rounding_level in ('line','document')`, [], 'invoices_rounding_level_check');
    t.check('due_date is null or issue_date is null or due_date >= issue_date', [], 'invoices_due_check');
    t.check('amount_paid_minor >= 0 and amount_due_minor >= 0', [], 'invoices_amounts_check');
    t.index(['status', 'due_date']);
  });

  await knex.schema.alterTable('line_items', (t) => {
    t.jsonb('tax_rate_ids').notNullable().defaultTo('[]');
    t.jsonb('taxes').notNullable().defaultTo('[]');
    // The line's own fees as entered; fees_minor holds them plus the line's share of document fees.
    t.bigInteger('line_fees_minor').notNullable().defaultTo(0);
    t.bigInteger('gross_minor').notNullable().defaultTo(0);
    t.bigInteger('net_minor').notNullable().defaultTo(0);
    t.bigInteger('total_minor').notNullable().defaultTo(0);
    t.check('quantity >= 0', [], 'line_items_quantity_check');
  });

  await knex.schema.alterTable('payments', (t) => {
    t.text('method_detail');
    t.date('paid_on');
    t.bigInteger('amount_refunded_minor').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('credit_notes', (t) => {
    canonical(t, knex);
    t.text('number').notNullable().unique();
    t.bigInteger('invoice_id').notNullable().references('invoices.id');
    t.bigInteger('payment_id').references('payments.id');
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('reason').notNullable();
    t.date('issue_date').notNullable();
    t.text('status').notNullable().defaultTo('issued');
    t.check('amount_minor > 0', [], 'credit_notes_amount_check');
    t.check(`status in ('issued','void')`, [], 'credit_notes_status_check');
    t.index(['invoice_id']);
  });

  await knex.schema.createTable('receipts', (t) => {
    canonical(t, knex);
    t.text('number').notNullable().unique();
    t.text('kind').notNullable();
    t.bigInteger('invoice_id').references('invoices.id');
    t.bigInteger('payment_id').references('payments.id');
    t.bigInteger('credit_note_id').references('credit_notes.id');
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable();
    t.integer('send_count').notNullable().defaultTo(0);
    t.timestamp('last_sent_at', { useTz: true });
    t.check(`kind in ('payment','refund')`, [], 'receipts_kind_check');
    t.unique(['payment_id', 'kind']);
    t.unique(['credit_note_id']);
  });

  await knex.schema.createTable('email_outbox', (t) => {
    t.bigIncrements('id').primary();
    // Enqueueing twice with the same key is a no-op: reminders and receipts are sent once.
    t.text('idempotency_key').notNullable().unique();
    t.text('kind').notNullable();
    t.text('to_address').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('html_body').notNullable();
    t.jsonb('attachments').notNullable().defaultTo('[]');
    t.text('related_object');
    t.bigInteger('related_id');
    t.text('state').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable().defaultTo(8);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('lease_until', { useTz: true });
    t.text('last_error');
    t.text('message_id');
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`state in ('pending','sending','sent','logged','dead')`, [], 'email_outbox_state_check');
    t.index(['state', 'next_attempt_at']);
    t.index(['related_object', 'related_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('email_outbox');
  await knex.schema.dropTableIfExists('receipts');
  await knex.schema.dropTableIfExists('credit_notes');
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumns('method_detail', 'paid_on', 'amount_refunded_minor');
  });
  await knex.schema.alterTable('line_items', (t) => {
    t.dropChecks(['line_items_quantity_check']);
    t.dropColumns('tax_rate_ids', 'taxes', 'line_fees_minor', 'gross_minor', 'net_minor', 'total_minor');
  });
  await knex.schema.alterTable('invoices', (t) => {
    t.dropChecks([
      'invoices_terms_check',
      'invoices_rounding_mode_check',
      'invoices_rounding_level_check',
      'invoices_due_check',
      'invoices_amounts_check',
    ]);
    t.dropIndex(['status', 'due_date']);
    t.dropColumns(
      'number_prefix',
      'document_discount_type',
      'document_discount_value',
      'document_fees_minor',
      'fees_minor',
      'net_minor',
      'amount_credited_minor',
      'tax_summary',
      'rounding_mode',
      'rounding_level',
      'template_id',
      'public_token',
      'finalized_at',
      'sent_at',
      'paid_at',
      'voided_at',
      'void_reason',
      'uncollectible_at',
      'overdue_since',
    );
  });
  await knex.schema.dropTableIfExists('templates');
  await knex.schema.dropTableIfExists('number_sequences');
}
