import type { Knex } from 'knex';

/**
 * Sync engine tables (DESIGN.md "Sync tables" and "Sync engine semantics").
 *
 * sync_outbox gains `txid`: the id of the transaction that wrote the row. bigserial ids are taken
 * when a row is inserted but become visible when its transaction commits, so id order is not
 * commit order and an id cursor would skip rows committed late. The dispatcher instead walks
 * (txid, id) and only up to pg_snapshot_xmin(pg_current_snapshot()): every transaction below that
 * horizon has finished, so no row can still appear behind the cursor.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    `alter table sync_outbox add column txid bigint not null default (pg_current_xact_id()::text::bigint)`,
  );
  await knex.raw(`create index sync_outbox_txid_id_idx on sync_outbox (txid, id)`);

  await knex.schema.createTable('connections', (t) => {
    t.bigIncrements('id').primary();
    t.integer('version').notNullable().defaultTo(1);
    t.text('name').notNullable();
    t.text('vendor').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.jsonb('settings').notNullable().defaultTo('{}');
    // AES-256-GCM envelope "v1:<key id>:<iv>:<tag>:<ciphertext>"; never returned by the API.
    t.text('credentials_enc');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('archived_at', { useTz: true });
    t.check(`status in ('active','paused','error')`, [], 'connections_status_check');
  });

  // Per-connection overrides of the default mapping files, versioned (latest version wins).
  await knex.schema.createTable('mappings', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.text('direction').notNullable();
    t.integer('version').notNullable();
    t.jsonb('rules').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['connection_id', 'object', 'direction', 'version']);
    t.check(`direction in ('inbound','outbound')`, [], 'mappings_direction_check');
  });

  await knex.schema.createTable('external_links', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.bigInteger('local_id').notNullable();
    t.text('external_id');
    t.text('external_version');
    t.text('content_hash');
    t.integer('local_version');
    t.text('state').notNullable().defaultTo('pending');
    // The exact create request of a pending link, so healing can replay it with the same key.
    t.text('pending_key');
    t.jsonb('pending_payload');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['connection_id', 'object', 'local_id']);
    t.unique(['connection_id', 'object', 'external_id']);
    t.check(`state in ('pending','linked')`, [], 'external_links_state_check');
    t.check(`state = 'pending' or external_id is not null`, [], 'external_links_linked_check');
  });

  await knex.schema.createTable('external_records', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.text('external_id').notNullable();
    t.bigInteger('amount_minor');
    t.string('currency', 3);
    t.date('date');
    t.text('status');
    t.text('reference');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('vendor_updated_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['connection_id', 'object', 'external_id']);
    t.index(['connection_id', 'object', 'reference']);
  });

  await knex.schema.createTable('sync_runs', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object');
    t.text('kind').notNullable();
    t.text('trigger').notNullable();
    t.boolean('plan').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('running');
    t.integer('total').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('unchanged').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.jsonb('items');
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.check(`kind in ('push','pull','incremental')`, [], 'sync_runs_kind_check');
    t.check(`trigger in ('api','schedule','outbox')`, [], 'sync_runs_trigger_check');
    t.check(`status in ('running','succeeded','partial','failed')`, [], 'sync_runs_status_check');
    t.index(['connection_id', 'started_at']);
  });

  await knex.schema.createTable('sync_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.bigInteger('object_id').notNullable();
    t.integer('version').notNullable();
    t.text('op').notNullable();
    t.text('state').notNullable().defaultTo('pending');
    t.bigInteger('run_id').references('sync_runs.id');
    t.bigInteger('outbox_id');
    t.text('leased_by');
    t.timestamp('lease_until', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('outcome');
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`state in ('pending','leased','done','failed','dead')`, [], 'sync_deliveries_state_check');
    t.index(['state', 'next_attempt_at']);
    t.index(['run_id']);
    // The lease's "is this record already being handled?" probe.
    t.index(['connection_id', 'object', 'object_id']);
  });
  // At most one waiting delivery per record and connection: later changes coalesce into it.
  await knex.raw(
    `create unique index sync_deliveries_waiting_uq on sync_deliveries (connection_id, object, object_id)
     where state in ('pending','failed')`,
  );

  // Per-consumer positions in sync_outbox, as (txid, id) pairs (see the note at the top).
  await knex.schema.createTable('sync_consumer_cursors', (t) => {
    t.text('consumer').primary();
    t.bigInteger('last_txid').notNullable().defaultTo(0);
    t.bigInteger('last_id').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Pull positions per connection and object (Stripe events, QuickBooks CDC, Xero If-Modified-Since).
  await knex.schema.createTable('sync_cursors', (t) => {
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.text('cursor');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['connection_id', 'object']);
  });

  await knex.schema.createTable('sync_errors', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.bigInteger('local_id');
    t.bigInteger('delivery_id');
    t.bigInteger('run_id');
    t.text('code').notNullable();
    t.text('message').notNullable();
    t.boolean('retryable').notNullable();
    t.integer('attempts').notNullable().defaultTo(1);
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['connection_id', 'object', 'local_id']);
  });

  await knex.schema.createTable('sync_conflicts', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('connection_id').notNullable().references('connections.id');
    t.text('object').notNullable();
    t.bigInteger('local_id').notNullable();
    t.text('external_id');
    t.text('field').notNullable();
    t.jsonb('local_value');
    t.jsonb('external_value');
    t.text('state').notNullable().defaultTo('open');
    t.text('resolution');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    t.check(`state in ('open','resolved')`, [], 'sync_conflicts_state_check');
  });

  await knex.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id').primary();
    t.text('vendor').notNullable();
    t.text('event_id').notNullable();
    t.bigInteger('connection_id').references('connections.id');
    t.text('type').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.unique(['vendor', 'event_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'webhook_events',
    'sync_conflicts',
    'sync_errors',
    'sync_cursors',
    'sync_consumer_cursors',
    'sync_deliveries',
    'sync_runs',
    'external_records',
    'external_links',
    'mappings',
    'connections',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw(`drop index if exists sync_outbox_txid_id_idx`);
  await knex.raw(`alter table sync_outbox drop column if exists txid`);
}
