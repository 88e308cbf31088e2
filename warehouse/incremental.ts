import type { DuckDBConnection } from '@duckdb/node-api';
import { traceTiming, type ModelStatement, type StatementRunner } from './models';
import { rawName, SOURCES } from './sources';

/**
 * Incremental model refresh: after the changed raw rows are applied, work out which invoices,
 * payments, customers and months they touch (old values from the facts, which are still the
 * previous build's, new values from the staging views), then rebuild only those slices of the
 * big facts and marts. Everything else (dims, small facts, aggregate marts) is recreated.
 *
 * A slice is rebuilt by shadowing the statement's inputs with filtered TEMP views (DuckDB
 * resolves temp objects first), so the model SQL itself is the same for full and incremental
 * runs — which is what keeps the two identical (test/integration/warehouse/incremental.test.ts).
 */
interface Scoped {
  key: string;
  scope: string;
  /** The slice's rows (default: key IN scope); the scope then only tells whether it is empty. */
  where?: string;
  /** Inputs to shadow → filter. */
  shadows: Record<string, string>;
  /** Month scope(s) of downstream marts fed by the months of the rows this rebuild changed. */
  feeds?: string[];
  /**
   * Rewrite the whole slice instead of only its keys with a differing row. Telling which rows
   * differ means reading the old slice's every column, and DuckDB finds the slice's rows of a
   * big table only by scanning it: whole rows of millions cost more than rewriting a few
   * thousand (the delete and the narrow month scan read one or two columns). For slices that
   * are mostly rows that really change (an invoice's lines and allocations).
   */
  wholeSlice?: boolean;
}

/**
 * Columns whose previous values the loader keeps (in _old_<table>, with id and updated_at) for
 * the changed and deleted rows of a source; the new rows are in _cur_<table>. The affected-key
 * queries read these small tables instead of scanning the big raw and fact tables. An invoice reaches its payments' facts only through company_id (see _cust_invoice).
 */
export const OLD_COLUMNS: Record<string, string[]> = {
  invoices: ['company_id'],
  // A line's invoice or subscription before the change (the new one is in _cur_line_items).
  line_items: ['owner_type', 'owner_id', 'archived_at'],
};

const IN = (col: string, scope: string) => `${col} IN (SELECT k FROM ${scope})`;

// Shadows filter RAW tables where the staging view joins big tables (stg_payments joins every
// invoice to find a customer): a filter on the view would still compute the whole join, a
// filter on its raw inputs makes the view small. The filtered raw rows are exactly those the
// slice's staging rows come from (the payment, its invoice; contacts and companies unfiltered).
const PAYMENT_INPUTS = (scope: string) => ({
  raw_payments: IN('id', scope),
  raw_invoices: `id IN (SELECT invoice_id FROM raw_payments)`, // the shadow above: its payments' invoices
});

const SCOPED: Record<string, Scoped> = {
  fct_invoice: {
    wholeSlice: true,
    key: 'invoice_id',
    scope: '_aff_invoice',
    shadows: { raw_invoices: IN('id', '_aff_invoice') },
  },
  fct_invoice_line: {
    wholeSlice: true,
    key: 'invoice_id',
    scope: '_aff_invoice',
    shadows: {
      stg_invoice_lines: IN('invoice_id', '_aff_invoice'),
      fct_invoice: IN('invoice_id', '_aff_invoice'),
    },
    feeds: ['_aff_month_revenue'],
  },
  fct_payment: {
    key: 'payment_id',
    scope: '_aff_payment',
    shadows: PAYMENT_INPUTS('_aff_payment'),
    feeds: ['_aff_month_payments'],
  },
  fct_refund: {
    wholeSlice: true,
    key: 'payment_id',
    scope: '_aff_payment_rows',
    shadows: { raw_refunds: IN('payment_id', '_aff_payment_rows'), ...PAYMENT_INPUTS('_aff_payment_rows') },
  },
  fct_dispute: {
    wholeSlice: true,
    key: 'payment_id',
    scope: '_aff_payment_rows',
    shadows: { raw_disputes: IN('payment_id', '_aff_payment_rows'), ...PAYMENT_INPUTS('_aff_payment_rows') },
  },
  // source_id is a payment id (kind collected) or a refund id (kind refunded): each kind has its
  // own scope (payments and refunds number their ids independently), _aff_collection is both.
  fct_collection_line: {
    wholeSlice: true,
    key: 'source_id',
    scope: '_aff_collection',
    // One hash semi-join on (kind, id): an OR of two per-kind IN tests costs several times more.
    where: `EXISTS (SELECT 1 FROM _aff_collection a WHERE a.kind_k = kind AND a.k = source_id)`,
    shadows: {
      fct_payment: IN('payment_id', '_aff_collection_pay'),
      fct_refund: IN('refund_id', '_aff_collection_ref'),
      // The two shadows above (already rebuilt facts): the invoices of the money in scope.
      fct_invoice_line: `invoice_id IN (SELECT invoice_id FROM fct_payment UNION SELECT invoice_id FROM fct_refund)`,
    },
    feeds: ['_aff_month_revenue'],
  },
  fct_subscription_period: {
    wholeSlice: true,
    key: 'subscription_id',
    scope: '_aff_subscription',
    shadows: {
      raw_subscriptions: IN('id', '_aff_subscription'),
      stg_subscription_items: IN('subscription_id', '_aff_subscription'),
    },
  },
  mart_revenue_monthly: {
    key: 'month',
    scope: '_aff_month_revenue',
    shadows: {
      fct_invoice_line: IN('month', '_aff_month_revenue'),
      fct_collection_line: IN('month', '_aff_month_revenue'),
    },
  },
  mart_mrr_customer_monthly: {
    key: 'customer_id',
    scope: '_aff_customer',
    shadows: { fct_subscription_period: IN('customer_id', '_aff_customer') },
  },
  // Rows per customer × bucket: only affected customers' open invoices can move (the as-of
  // date and rates are fixed, or everything is rebuilt). Appended slices lose the table's
  // report order, which only speeds up paging; reports sort anyway.
  mart_ar_aging: {
    key: 'customer_id',
    scope: '_aff_customer',
    shadows: { fct_invoice: IN('customer_id', '_aff_customer') },
  },
  mart_payment_segments: {
    key: 'month',
    scope: '_aff_month_payments',
    shadows: { fct_payment: IN('month', '_aff_month_payments') },
  },
};

/** Tables an incremental refresh rebuilds by slice (the rest are recreated). */
export const SCOPED_TABLES = Object.keys(SCOPED);

/**
 * Affected keys, computed before any model runs (facts still hold the previous build). `has`
 * tells which sources received changed or deleted rows: a branch keyed by an empty change set
 * selects nothing, and is left out rather than run (most read a big table).
 */
function affectedSql(has: (table: string) => boolean): string[] {
  const ids = (table: string) => `(SELECT id FROM _ids_${table})`;
  const NONE = 'SELECT CAST(NULL AS BIGINT) AS k WHERE false';
  /** `col IN ids(table)` for every listed source with changes, OR-ed; null when none has any. */
  const anyIn = (...pairs: Array<[string, string]>) => {
    const terms = pairs.filter(([, t]) => has(t)).map(([c, t]) => `${c} IN ${ids(t)}`);
    return terms.length ? `(${terms.join(' OR ')})` : null;
  };
  /** UNION of the branches that are not null (the first names the column k). */
  const union = (...parts: Array<string | null | false>) => {
    const kept = parts.filter((x): x is string => !!x);
    return kept.length ? kept.join('\n   UNION ') : NONE;
  };
  const when = (cond: string | null, sql: (c: string) => string) => (cond ? sql(cond) : null);
  const contacts = anyIn(['contact_id', 'contacts']);
  return [
    `CREATE OR REPLACE TEMP TABLE _aff_invoice AS SELECT k FROM (${union(
      'SELECT id AS k FROM _ids_invoices',
      // Changed lines' invoices before (a superset of their fct_invoice_line rows) and after
      // (exactly their stg_invoice_lines rows).
      has('line_items') && `SELECT owner_id FROM _old_line_items WHERE owner_type = 'invoice'`,
      has('line_items') &&
        `SELECT owner_id FROM _cur_line_items WHERE owner_type = 'invoice' AND archived_at IS NULL`,
      when(contacts, (c) => `SELECT id FROM raw_invoices WHERE ${c}`),
    )})`,
    // Invoices whose change can move a payment's customer (stg_payments reads an invoice's
    // company_id, nothing else): new, deleted, or with another company_id than before. Paying or
    // editing an invoice leaves its payments' facts as they were.
    `CREATE OR REPLACE TEMP TABLE _cust_invoice AS ${
      has('invoices')
        ? `SELECT id AS k FROM _ids_invoices
           EXCEPT SELECT o.id FROM _old_invoices o JOIN raw_invoices n ON n.id = o.id
           WHERE o.company_id IS NOT DISTINCT FROM n.company_id`
        : NONE
    }`,
    // Subscriptions whose periods can change: changed or deleted subscriptions and items (old
    // and new owner), and those reached through a changed contact.
    `CREATE OR REPLACE TEMP TABLE _aff_subscription AS SELECT k FROM (${union(
      'SELECT id AS k FROM _ids_subscriptions',
      has('line_items') && `SELECT owner_id FROM _old_line_items WHERE owner_type = 'subscription'`,
      has('line_items') && `SELECT owner_id FROM _cur_line_items WHERE owner_type = 'subscription'`,
      when(contacts, (c) => `SELECT id FROM raw_subscriptions WHERE ${c}`),
    )})`,
    // New-state customers of the invoices and payments that can change, computed like
    // stg_invoices / stg_payments but joining only the rows involved (those views join whole tables).
    `CREATE OR REPLACE TEMP TABLE _new_invoice AS
     WITH i AS (SELECT id, company_id, contact_id FROM raw_invoices
                WHERE ${IN('id', '_aff_invoice')} AND archived_at IS NULL)
     SELECT i.id AS invoice_id, coalesce(i.company_id, c.company_id) AS customer_id
     FROM i LEFT JOIN (SELECT id, company_id FROM raw_contacts WHERE id IN (SELECT contact_id FROM i)) c
       ON c.id = i.contact_id`,
    `CREATE OR REPLACE TEMP TABLE _new_payment AS
     WITH p AS (SELECT id, company_id, contact_id, invoice_id FROM raw_payments
                WHERE (${[
                  anyIn(['id', 'payments'], ['contact_id', 'contacts']),
                  IN('invoice_id', '_cust_invoice'),
                ]
                  .filter(Boolean)
                  .join(' OR ')})
                  AND archived_at IS NULL)
     SELECT p.id AS payment_id, coalesce(p.company_id, c.company_id, i.company_id) AS customer_id
     FROM p
     LEFT JOIN (SELECT id, company_id FROM raw_contacts WHERE id IN (SELECT contact_id FROM p)) c ON c.id = p.contact_id
     LEFT JOIN (SELECT id, company_id FROM raw_invoices WHERE id IN (SELECT invoice_id FROM p)) i ON i.id = p.invoice_id`,
    `CREATE OR REPLACE TEMP TABLE _aff_customer AS SELECT k FROM (${union(
      'SELECT id AS k FROM _ids_companies',
      `SELECT customer_id FROM fct_invoice WHERE ${IN('invoice_id', '_aff_invoice')}`,
      'SELECT customer_id FROM _new_invoice',
      `SELECT customer_id FROM fct_payment WHERE ${[anyIn(['payment_id', 'payments']), IN('invoice_id', '_cust_invoice')].filter(Boolean).join(' OR ')}`,
      'SELECT customer_id FROM _new_payment',
      when(
        anyIn(['p.contact_id', 'contacts']),
        (c) =>
          `SELECT f.customer_id FROM fct_payment f JOIN raw_payments p ON p.id = f.payment_id WHERE ${c}`,
      ),
      when(
        anyIn(['subscription_id', 'subscriptions'], ['line_id', 'line_items']),
        (c) => `SELECT customer_id FROM fct_subscription_period WHERE ${c}`,
      ),
      when(
        [
          has('subscriptions') && `subscription_id IN ${ids('subscriptions')}`,
          has('line_items') &&
            `subscription_id IN (SELECT owner_id FROM _cur_line_items WHERE owner_type = 'subscription' AND archived_at IS NULL)`,
        ]
          .filter(Boolean)
          .join(' OR ') || null,
        (c) => `SELECT customer_id FROM stg_subscriptions WHERE ${c}`,
      ),
      when(
        anyIn(['r.contact_id', 'contacts']),
        (c) =>
          `SELECT f.customer_id FROM fct_subscription_period f JOIN raw_subscriptions r ON r.id = f.subscription_id WHERE ${c}`,
      ),
      when(
        anyIn(['r.contact_id', 'contacts']),
        (c) =>
          `SELECT s.customer_id FROM stg_subscriptions s JOIN raw_subscriptions r ON r.id = s.subscription_id WHERE ${c}`,
      ),
    )})`,
    // Row-level: payments whose own fact rows (and their refunds' and disputes') can change.
    `CREATE OR REPLACE TEMP TABLE _aff_payment_rows AS SELECT k FROM (${union(
      'SELECT id AS k FROM _ids_payments',
      `SELECT payment_id FROM fct_payment WHERE ${IN('invoice_id', '_cust_invoice')}`,
      'SELECT payment_id FROM _new_payment',
      has('refunds') && `SELECT payment_id FROM fct_refund WHERE refund_id IN ${ids('refunds')}`,
      has('refunds') && `SELECT payment_id FROM raw_refunds WHERE id IN ${ids('refunds')}`,
      has('disputes') && `SELECT payment_id FROM fct_dispute WHERE dispute_id IN ${ids('disputes')}`,
      has('disputes') && `SELECT payment_id FROM raw_disputes WHERE id IN ${ids('disputes')}`,
    )})`,
    // Collection rows to rebuild: those payments, every refund of them (before and after), and
    // the money of invoices whose lines can change (allocations follow the lines).
    `CREATE OR REPLACE TEMP TABLE _aff_collection_pay AS
     SELECT k FROM _aff_payment_rows
     UNION SELECT payment_id FROM fct_payment WHERE ${IN('invoice_id', '_aff_invoice')}`,
    `CREATE OR REPLACE TEMP TABLE _aff_collection_ref AS
     SELECT refund_id AS k FROM fct_refund WHERE ${IN('payment_id', '_aff_payment_rows')} OR ${IN('invoice_id', '_aff_invoice')}
     UNION SELECT id FROM raw_refunds WHERE ${IN('payment_id', '_aff_payment_rows')}`,
    `CREATE OR REPLACE TEMP TABLE _aff_collection AS
     SELECT 'collected' AS kind_k, k FROM _aff_collection_pay
     UNION ALL SELECT 'refunded', k FROM _aff_collection_ref`,
    // Whole customers, so "new vs returning" (first successful payment) sees all their payments —
    // the customers whose payments can change: those of the changed payment rows (before and
    // after) and companies that changed (payer country). A payment's customer only moves if the
    // payment, its contact or its invoice's company changed, i.e. if it is in _new_payment; every
    // other payment still has its previous fact's customer.
    `CREATE OR REPLACE TEMP TABLE _aff_payment AS
     WITH cust AS (
       SELECT customer_id AS k FROM fct_payment WHERE ${IN('payment_id', '_aff_payment_rows')}
       UNION SELECT customer_id FROM _new_payment
       UNION SELECT id FROM _ids_companies
     )
     SELECT k FROM _aff_payment_rows
     UNION SELECT payment_id FROM fct_payment WHERE ${IN('customer_id', 'cust')}
     UNION SELECT payment_id FROM _new_payment WHERE ${IN('customer_id', 'cust')}`,
    // Months whose mart rows may change. Fact rebuilds add the months of the rows they actually
    // changed (old and new); a company change can move all its revenue to another segment.
    `CREATE OR REPLACE TEMP TABLE _aff_month_revenue AS ${
      has('companies')
        ? `SELECT month AS k FROM fct_invoice_line WHERE customer_id IN ${ids('companies')}
           UNION SELECT month FROM fct_collection_line WHERE customer_id IN ${ids('companies')}`
        : 'SELECT CAST(NULL AS DATE) AS k WHERE false'
    }`,
    `CREATE OR REPLACE TEMP TABLE _aff_month_payments AS SELECT CAST(NULL AS DATE) AS k WHERE false`,
  ];
}

/** Runs one statement; under LL_MODEL_TIMINGS also prints its time (the refresh's profile). */
export async function run(duck: DuckDBConnection, sql: string): Promise<void> {
  const t0 = performance.now();
  await duck.run(sql);
  traceTiming(t0, sql);
}

export async function prepareAffected(duck: DuckDBConnection): Promise<Record<string, number>> {
  const changed = await changedSources(duck);
  for (const sql of affectedSql((t) => changed.has(t))) await run(duck, sql);
  const tables = [
    '_aff_invoice',
    '_aff_customer',
    '_aff_payment',
    '_aff_month_revenue',
    '_aff_payment_rows',
    '_aff_collection',
  ];
  const row = (
    await duck.runAndReadAll(`SELECT ${tables.map((t) => `(SELECT count(DISTINCT k) FROM ${t})`).join(', ')}`)
  ).getRowsJS()[0];
  return Object.fromEntries(tables.map((t, i) => [t, Number(row[i])]));
}

/** Sources with changed or deleted rows (a non-empty _ids_<table>), in one query. */
async function changedSources(duck: DuckDBConnection): Promise<Set<string>> {
  const row = (
    await duck.runAndReadAll(
      `SELECT ${SOURCES.map((s) => `EXISTS (SELECT 1 FROM _ids_${s.table})`).join(', ')}`,
    )
  ).getRowsJS()[0];
  return new Set(SOURCES.filter((_, i) => row[i] === true).map((s) => s.table));
}

const count = async (duck: DuckDBConnection, sql: string) =>
  Number((await duck.runAndReadAll(sql)).getRowsJS()[0][0]);

/** Relations a model statement reads (raw_*, stg_*, dim_*, fct_*, mart_*, dq_*, wh_*). */
function inputsOf(st: ModelStatement): string[] {
  const names = [...st.sql.matchAll(/\b((?:raw|stg|dim|fct|mart|dq|wh)_\w+)/g)].map((m) => m[1]);
  return [...new Set(names)].filter((n) => n !== st.name);
}

/**
 * Runner for an incremental refresh. It tracks which relations changed, starting from the raw
 * tables that received changed or deleted rows, and per statement:
 * - nothing it reads changed → the table is kept as it is (no work, nothing written);
 * - a SCOPED table → only the affected slice is recomputed, and written only if it differs;
 * - any other table → recomputed into a temp table and replaced only if it differs (small
 *   dims and aggregates: comparing is cheaper than rewriting, and an unchanged table does not
 *   mark its dependants changed — e.g. a new invoice rarely moves the calendar or the FX days).
 * Views are not recreated: the model SQL is the same as the file's (the loader rebuilds
 * everything when the models' hash differs). Because the same model SQL computes every row
 * that is written, the result equals a full rebuild (incremental.test.ts compares them).
 */
export async function scopedRunner(duck: DuckDBConnection): Promise<StatementRunner> {
  const catalog = (await duck.runAndReadAll('SELECT current_database() AS db')).getRowObjectsJS()[0]
    .db as string;
  const main = (name: string) => `"${catalog}".main.${name}`;
  const changed = new Set([...(await changedSources(duck))].map(rawName));
  // Rows that differ between two relations as multisets, counted per distinct row: grouping
  // and plain EXCEPT are hash operations, where EXCEPT ALL numbers every row with a window.
  const diff = (a: string, b: string) => `CREATE OR REPLACE TEMP TABLE _diff AS
    WITH x AS (SELECT *, count(*) AS _rows FROM ${a} GROUP BY ALL),
         y AS (SELECT *, count(*) AS _rows FROM ${b} GROUP BY ALL)
    (SELECT * FROM x EXCEPT SELECT * FROM y) UNION ALL (SELECT * FROM y EXCEPT SELECT * FROM x)`;
  const differs = async (conn: DuckDBConnection, a: string, b: string) => {
    await run(conn, diff(a, b));
    return (await count(conn, `SELECT count(*) FROM _diff`)) > 0;
  };
  return async (conn: DuckDBConnection, st: ModelStatement) => {
    if (!inputsOf(st).some((n) => changed.has(n))) return;
    if (st.kind === 'VIEW') {
      changed.add(st.name);
      return;
    }
    const scoped = SCOPED[st.name];
    if (!scoped) {
      await run(conn, `CREATE OR REPLACE TEMP TABLE _new_model AS ${st.body}`);
      try {
        if (await differs(conn, '_new_model', main(st.name))) {
          await run(conn, `CREATE OR REPLACE TABLE ${main(st.name)} AS SELECT * FROM _new_model`);
          changed.add(st.name);
        }
      } finally {
        await run(conn, 'DROP TABLE IF EXISTS _new_model');
        await run(conn, 'DROP TABLE IF EXISTS _diff');
      }
      return;
    }
    // An empty scope: no row of this table can change (and its dependants need not rerun).
    if (!(await count(conn, `SELECT count(*) FROM ${scoped.scope}`))) return;
    const names = Object.keys(scoped.shadows);
    const inScope = scoped.where ?? IN(scoped.key, scoped.scope);
    try {
      for (const [name, filter] of Object.entries(scoped.shadows)) {
        await run(conn, `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM ${main(name)} WHERE ${filter}`);
      }
      await run(
        conn,
        `CREATE OR REPLACE TEMP TABLE _new_slice AS SELECT * FROM (${st.body}) AS s WHERE ${inScope}`,
      );
      if (scoped.wholeSlice) {
        // The months of the rows replaced (before and after) feed the marts' month scopes. A
        // narrow scan before the DELETE: DELETE … RETURNING month took longer than both.
        for (const feed of scoped.feeds ?? []) {
          await run(conn, `INSERT INTO ${feed} SELECT DISTINCT month FROM ${main(st.name)} WHERE ${inScope}`);
          await run(conn, `INSERT INTO ${feed} SELECT DISTINCT month FROM _new_slice`);
        }
        const t0 = performance.now();
        const gone = Number((await conn.run(`DELETE FROM ${main(st.name)} WHERE ${inScope}`)).rowsChanged);
        traceTiming(t0, `DELETE FROM ${st.name} WHERE …`);
        await run(conn, `INSERT INTO ${main(st.name)} SELECT * FROM _new_slice`);
        if (gone || (await count(conn, 'SELECT count(*) FROM _new_slice'))) changed.add(st.name);
        return;
      }
      await run(
        conn,
        `CREATE OR REPLACE TEMP TABLE _old_slice AS SELECT * FROM ${main(st.name)} WHERE ${inScope}`,
      );
      if (!(await differs(conn, '_old_slice', '_new_slice'))) return;
      changed.add(st.name);
      // Only keys with a differing row are rewritten: a slice is mostly unchanged context (a
      // customer's other payments), and every row written is work for COMMIT and CHECKPOINT.
      const moved = `${scoped.key} IN (SELECT ${scoped.key} FROM _diff)`;
      await run(conn, `DELETE FROM ${main(st.name)} WHERE ${moved}`);
      await run(conn, `INSERT INTO ${main(st.name)} SELECT * FROM _new_slice WHERE ${moved}`);
      for (const feed of scoped.feeds ?? []) {
        await run(conn, `INSERT INTO ${feed} SELECT DISTINCT month FROM _diff`);
      }
    } finally {
      for (const name of names) await run(conn, `DROP VIEW IF EXISTS temp.${name}`);
      await run(conn, 'DROP TABLE IF EXISTS _old_slice');
      await run(conn, 'DROP TABLE IF EXISTS _new_slice');
      await run(conn, 'DROP TABLE IF EXISTS _diff');
    }
  };
}
