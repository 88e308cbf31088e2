import type { Knex } from 'knex';

/**
 * Payments as CRM records (issue 6): refunds, disputes, payouts with their balance transactions,
 * and a payment status history. Processor objects are keyed by (processor, processor_id) so a
 * replayed or reordered event can only ever update the one row it names.
 */
function canonical(t: Knex.CreateTableBuilder, knex: Knex) {
  t.bigIncrements('id').primary();
  t.integer('version').notNullable().defaultTo(1);
  t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp('archived_at', { useTz: true }).nullable();
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payouts', (t) => {
    canonical(t, knex);
    t.bigInteger('connection_id').references('connections.id');
    t.text('processor').notNullable();
    t.text('processor_id').notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('status').notNullable();
    t.date('arrival_date');
    t.timestamp('initiated_at', { useTz: true }).notNullable();
    // Composition from the payout's balance transactions (null until they were read).
    t.bigInteger('gross_minor');
    t.bigInteger('fees_minor');
    t.bigInteger('refunds_minor');
    t.bigInteger('chargebacks_minor');
    t.bigInteger('other_minor');
    t.bigInteger('net_minor');
    t.timestamp('composed_at', { useTz: true });
    t.timestamp('summary_sent_at', { useTz: true });
    t.unique(['processor', 'processor_id']);
    t.index(['initiated_at', 'id']);
  });

  await knex.schema.alterTable('payments', (t) => {
    t.bigInteger('connection_id').references('connections.id');
    t.text('processor_intent_id');
    t.text('customer_external_id');
    t.text('description');
    t.text('failure_code');
    t.text('failure_message');
    t.bigInteger('amount_disputed_minor').notNullable().defaultTo(0);
    t.bigInteger('payout_id').references('payouts.id');
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.index(['paid_at', 'id']);
    t.index(['amount_minor', 'id']);
    t.index(['payout_id']);
  });

  await knex.schema.createTable('payment_status_history', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('payment_id').notNullable().references('payments.id');
    t.text('from_status');
    t.text('status').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    // Where the change came from: an event id, 'backfill', 'api'.
    t.text('source').notNullable();
    t.index(['payment_id', 'at']);
  });

  await knex.schema.createTable('refunds', (t) => {
    canonical(t, knex);
    t.bigInteger('payment_id').notNullable().references('payments.id');
    t.bigInteger('connection_id').references('connections.id');
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('status').notNullable();
    t.text('reason');
    t.text('processor');
    t.text('processor_id');
    t.bigInteger('payout_id').references('payouts.id');
    t.timestamp('refunded_at', { useTz: true }).notNullable();
    t.unique(['processor', 'processor_id']);
    t.index(['payment_id']);
    t.index(['refunded_at', 'id']);
    t.check('amount_minor > 0', [], 'refunds_amount_check');
    t.check(`status in ('pending','succeeded','failed','canceled')`, [], 'refunds_status_check');
  });

  await knex.schema.createTable('disputes', (t) => {
    canonical(t, knex);
    t.bigInteger('payment_id').notNullable().references('payments.id');
    t.bigInteger('connection_id').references('connections.id');
    t.bigInteger('amount_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.text('status').notNullable();
    t.text('reason');
    t.text('processor').notNullable();
    t.text('processor_id').notNullable();
    t.bigInteger('fee_minor').notNullable().defaultTo(0);
    t.timestamp('opened_at', { useTz: true }).notNullable();
    t.timestamp('evidence_due_by', { useTz: true });
    t.unique(['processor', 'processor_id']);
    t.index(['payment_id']);
    t.index(['opened_at', 'id']);
  });

  // Not canonical records (no outbox): a ledger mirror read by payout composition and the warehouse.
  await knex.schema.createTable('balance_transactions', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').references('connections.id');
    t.text('processor').notNullable();
    t.text('processor_id').notNullable();
    t.text('type').notNullable();
    // charge | refund | dispute | payout | other: what composition counts it as.
    t.text('category').notNullable();
    t.text('source_external_id');
    t.bigInteger('payment_id').references('payments.id');
    t.bigInteger('refund_id').references('refunds.id');
    t.bigInteger('dispute_id').references('disputes.id');
    t.bigInteger('payout_id').references('payouts.id');
    t.text('payout_external_id');
    t.bigInteger('amount_minor').notNullable();
    t.bigInteger('fee_minor').notNullable();
    t.bigInteger('net_minor').notNullable();
    t.string('currency', 3).notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.date('available_on');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['processor', 'processor_id']);
    t.index(['payout_id']);
    t.index(['source_external_id']);
    t.index(['payout_external_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('balance_transactions');
  await knex.schema.dropTableIfExists('disputes');
  await knex.schema.dropTableIfExists('refunds');
  await knex.schema.dropTableIfExists('payment_status_history');
  await knex.schema.alterTable('payments', (t) => {
    t.dropColumns(
      'connection_id',
      'processor_intent_id',
      'customer_external_id',
      'description',
      'failure_code',
      'failure_message',
      'amount_disputed_minor',
      'payout_id',
      'metadata',
    );
  });
  await knex.schema.dropTableIfExists('payouts');
}
