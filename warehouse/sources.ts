/**
 * What the loader copies from PostgreSQL: one raw_<table> per source table, with explicit
 * columns that exist in migration 0001/0004 (later migrations may add columns; we ignore them
 * until a model needs them, so the loader never breaks on someone else's schema change).
 * Adding a source = one entry here + a staging model (+ a delete trigger in a migration).
 */
/** A DuckDB column type (BIGINT, VARCHAR, DECIMAL(18,6), …). */
export type DuckType = string;

export interface SourceTable {
  table: string;
  columns: Record<string, DuckType>;
  /** Owned by another module's migration: loaded when present, an empty raw table otherwise. */
  optional?: boolean;
}

const canonical = {
  id: 'BIGINT',
  version: 'INTEGER',
  created_at: 'TIMESTAMPTZ',
  updated_at: 'TIMESTAMPTZ',
  archived_at: 'TIMESTAMPTZ',
} as const;

export const SOURCES: SourceTable[] = [
  {
    table: 'companies',
    columns: {
      ...canonical,
      name: 'VARCHAR',
      industry: 'VARCHAR',
      country: 'VARCHAR',
      lifecycle_stage: 'VARCHAR',
      annual_revenue_minor: 'BIGINT',
      currency: 'VARCHAR',
    },
  },
  {
    table: 'contacts',
    columns: { ...canonical, company_id: 'BIGINT', country: 'VARCHAR', lifecycle_stage: 'VARCHAR' },
  },
  {
    table: 'products',
    columns: {
      ...canonical,
      name: 'VARCHAR',
      sku: 'VARCHAR',
      price_minor: 'BIGINT',
      currency: 'VARCHAR',
      frequency: 'VARCHAR',
      active: 'BOOLEAN',
    },
  },
  {
    table: 'invoices',
    columns: {
      ...canonical,
      number: 'VARCHAR',
      status: 'VARCHAR',
      currency: 'VARCHAR',
      company_id: 'BIGINT',
      contact_id: 'BIGINT',
      terms: 'VARCHAR',
      issue_date: 'DATE',
      due_date: 'DATE',
      source: 'VARCHAR',
      source_id: 'BIGINT',
      subtotal_minor: 'BIGINT',
      discount_minor: 'BIGINT',
      tax_minor: 'BIGINT',
      total_minor: 'BIGINT',
      amount_paid_minor: 'BIGINT',
      amount_due_minor: 'BIGINT',
    },
  },
  {
    table: 'line_items',
    columns: {
      ...canonical,
      owner_type: 'VARCHAR',
      owner_id: 'BIGINT',
      position: 'INTEGER',
      product_id: 'BIGINT',
      quantity: 'DECIMAL(18,6)',
      unit_price_minor: 'BIGINT',
      currency: 'VARCHAR',
      discount_minor: 'BIGINT',
      fees_minor: 'BIGINT',
      amount_minor: 'BIGINT',
      tax_minor: 'BIGINT',
      service_start: 'DATE',
      service_end: 'DATE',
    },
  },
  {
    table: 'payments',
    columns: {
      ...canonical,
      company_id: 'BIGINT',
      contact_id: 'BIGINT',
      invoice_id: 'BIGINT',
      subscription_id: 'BIGINT',
      amount_minor: 'BIGINT',
      currency: 'VARCHAR',
      method: 'VARCHAR',
      status: 'VARCHAR',
      processor: 'VARCHAR',
      fee_minor: 'BIGINT',
      net_minor: 'BIGINT',
      paid_at: 'TIMESTAMPTZ',
    },
  },
  {
    table: 'subscriptions',
    columns: {
      ...canonical,
      company_id: 'BIGINT',
      contact_id: 'BIGINT',
      status: 'VARCHAR',
      frequency: 'VARCHAR',
      currency: 'VARCHAR',
      start_date: 'DATE',
      next_bill_date: 'DATE',
      end_date: 'DATE',
      collection: 'VARCHAR',
      canceled_at: 'TIMESTAMPTZ',
    },
  },
  {
    table: 'fx_rates',
    columns: { ...canonical, currency: 'VARCHAR', rate_date: 'DATE', rate: 'DECIMAL(24,12)' },
  },
  // Payments records (migration 0007): refunds, disputes, payouts and their balance transactions.
  // Optional: a schema without 0007 loads them empty. Hard deletes are logged by 0008's triggers.
  {
    table: 'refunds',
    optional: true,
    columns: {
      ...canonical,
      payment_id: 'BIGINT',
      amount_minor: 'BIGINT',
      currency: 'VARCHAR',
      status: 'VARCHAR',
      reason: 'VARCHAR',
      processor: 'VARCHAR',
      payout_id: 'BIGINT',
      refunded_at: 'TIMESTAMPTZ',
    },
  },
  {
    table: 'disputes',
    optional: true,
    columns: {
      ...canonical,
      payment_id: 'BIGINT',
      amount_minor: 'BIGINT',
      currency: 'VARCHAR',
      status: 'VARCHAR',
      reason: 'VARCHAR',
      processor: 'VARCHAR',
      fee_minor: 'BIGINT',
      opened_at: 'TIMESTAMPTZ',
    },
  },
  {
    table: 'payouts',
    optional: true,
    columns: {
      ...canonical,
      processor: 'VARCHAR',
      processor_id: 'VARCHAR',
      amount_minor: 'BIGINT',
      currency: 'VARCHAR',
      status: 'VARCHAR',
      arrival_date: 'DATE',
      initiated_at: 'TIMESTAMPTZ',
    },
  },
  {
    // A ledger mirror, not a canonical record: no version/created_at/archived_at.
    table: 'balance_transactions',
    optional: true,
    columns: {
      id: 'BIGINT',
      updated_at: 'TIMESTAMPTZ',
      processor: 'VARCHAR',
      type: 'VARCHAR',
      category: 'VARCHAR',
      payment_id: 'BIGINT',
      refund_id: 'BIGINT',
      dispute_id: 'BIGINT',
      payout_id: 'BIGINT',
      amount_minor: 'BIGINT',
      fee_minor: 'BIGINT',
      net_minor: 'BIGINT',
      currency: 'VARCHAR',
      occurred_at: 'TIMESTAMPTZ',
      available_on: 'DATE',
    },
  },
  // Sync engine (migration 0005): links and the mirror of what each vendor holds.
  {
    table: 'connections',
    optional: true,
    columns: { ...canonical, name: 'VARCHAR', vendor: 'VARCHAR', status: 'VARCHAR' },
  },
  {
    table: 'external_links',
    optional: true,
    columns: {
      id: 'BIGINT',
      created_at: 'TIMESTAMPTZ',
      updated_at: 'TIMESTAMPTZ',
      connection_id: 'BIGINT',
      object: 'VARCHAR',
      local_id: 'BIGINT',
      external_id: 'VARCHAR',
      state: 'VARCHAR',
    },
  },
  {
    table: 'external_records',
    optional: true,
    columns: {
      id: 'BIGINT',
      updated_at: 'TIMESTAMPTZ',
      connection_id: 'BIGINT',
      object: 'VARCHAR',
      external_id: 'VARCHAR',
      amount_minor: 'BIGINT',
      currency: 'VARCHAR',
      date: 'DATE',
      status: 'VARCHAR',
      reference: 'VARCHAR',
      deleted_at: 'TIMESTAMPTZ',
    },
  },
];

export const rawName = (table: string) => `raw_${table}`;

export function createRawSql(src: SourceTable, name = rawName(src.table)): string {
  const cols = Object.entries(src.columns).map(([c, t]) => `"${c}" ${t}`);
  return `CREATE TABLE IF NOT EXISTS ${name} (${cols.join(', ')})`;
}

/** PostgreSQL select list that renders every column as its text form (the COPY text format). */
export function pgTextSelect(src: SourceTable): string {
  return Object.keys(src.columns)
    .map((c) => `"${c}"::text as "${c}"`)
    .join(', ');
}
