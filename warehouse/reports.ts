/**
 * The reports served from the marts: each is one SELECT with named, bound parameters ($from,
 * $to, …). Money columns are in the warehouse reporting currency; the service converts them to
 * the requested currency through the rates table (per month, at the month-end snapshot).
 */
export type ParamType = 'month' | 'currency' | 'string' | 'integer';

export interface ReportParam {
  name: string;
  type: ParamType;
  description: string;
  /** Allowed values for string parameters. */
  values?: readonly string[];
}

export interface ReportDef {
  name: string;
  title: string;
  description: string;
  /** Mart(s) the report reads; also what the Parquet export partitions. */
  source: string;
  params: ReportParam[];
  /** Money columns to convert into the requested currency. */
  money: string[];
  /** Column holding the month the money belongs to ('as_of' converts at the as-of date). */
  monthColumn: string;
  /** SELECT over marts using $params; a param left out binds NULL and must not filter. */
  sql: string;
  /** Output order (columns of the SELECT). */
  order: string;
}

const FROM: ReportParam = {
  name: 'from',
  type: 'month',
  description: 'First month (YYYY-MM or YYYY-MM-DD), inclusive',
};
const TO: ReportParam = {
  name: 'to',
  type: 'month',
  description: 'Last month (YYYY-MM or YYYY-MM-DD), inclusive',
};
const CURRENCY: ReportParam = {
  name: 'currency',
  type: 'currency',
  description: 'ISO 4217 currency of the money columns (default: the reporting currency)',
};
const SEGMENT: ReportParam = {
  name: 'segment',
  type: 'string',
  description: 'Customer segment',
  values: ['smb', 'mid_market', 'enterprise', 'unknown'],
};
const RANGE = `($from IS NULL OR month >= CAST($from AS DATE)) AND ($to IS NULL OR month <= CAST($to AS DATE))`;

export const REPORTS: ReportDef[] = [
  {
    name: 'revenue',
    title: 'Revenue by month, product and segment',
    description:
      'Billed (excl. tax), collected, refunded and net revenue per month × product × customer segment.',
    source: 'mart_revenue_monthly',
    params: [
      FROM,
      TO,
      CURRENCY,
      SEGMENT,
      { name: 'product_id', type: 'integer', description: 'Only this product' },
    ],
    money: ['billed_minor', 'collected_minor', 'refunded_minor', 'net_minor'],
    monthColumn: 'month',
    sql: `SELECT r.month, r.product_id, p.name AS product_name, r.segment, r.billed_minor, r.collected_minor,
                 r.refunded_minor, r.net_minor
          FROM mart_revenue_monthly r LEFT JOIN dim_product p ON p.product_id = r.product_id
          WHERE ${RANGE} AND ($segment IS NULL OR r.segment = $segment)
            AND ($product_id IS NULL OR r.product_id = CAST($product_id AS BIGINT))`,
    order: 'month, product_id NULLS LAST, segment',
  },
  {
    name: 'mrr',
    title: 'MRR and ARR with movements',
    description: 'Month-end MRR, ARR and the new / expansion / contraction / churn / reactivation movements.',
    source: 'mart_mrr_monthly',
    params: [FROM, TO, CURRENCY],
    money: [
      'mrr_minor',
      'arr_minor',
      'new_minor',
      'expansion_minor',
      'contraction_minor',
      'churn_minor',
      'reactivation_minor',
      'net_new_minor',
    ],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_mrr_monthly WHERE ${RANGE}`,
    order: 'month',
  },
  {
    name: 'mrr_customers',
    title: 'MRR per customer and month',
    description: 'Each customer’s MRR, previous MRR and movement per month.',
    source: 'mart_mrr_customer_monthly',
    params: [
      FROM,
      TO,
      CURRENCY,
      { name: 'customer_id', type: 'integer', description: 'Only this customer' },
      {
        name: 'movement',
        type: 'string',
        description: 'Only this movement',
        values: ['new', 'expansion', 'contraction', 'churn', 'reactivation', 'retained', 'inactive'],
      },
    ],
    money: ['mrr_minor', 'prev_mrr_minor', 'delta_minor'],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_mrr_customer_monthly
          WHERE ${RANGE} AND ($customer_id IS NULL OR customer_id = CAST($customer_id AS BIGINT))
            AND ($movement IS NULL OR movement = $movement)`,
    order: 'month, customer_id',
  },
  {
    name: 'retention',
    title: 'NRR, GRR, quick ratio and logo churn',
    description: 'Trailing-12-month net and gross revenue retention, quick ratio and logo churn per month.',
    source: 'mart_retention_monthly',
    params: [FROM, TO, CURRENCY],
    money: ['mrr_minor', 'starting_mrr_12m_minor'],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_retention_monthly WHERE ${RANGE}`,
    order: 'month',
  },
  {
    name: 'cohorts',
    title: 'Logo and revenue cohorts',
    description: 'Customers and MRR retained per first-MRR-month cohort; from/to filter the cohort month.',
    source: 'mart_cohorts',
    params: [FROM, TO, CURRENCY],
    money: ['mrr_minor'],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_cohorts
          WHERE ($from IS NULL OR cohort_month >= CAST($from AS DATE)) AND ($to IS NULL OR cohort_month <= CAST($to AS DATE))`,
    order: 'cohort_month, month',
  },
  {
    name: 'payment_segments',
    title: 'Payment segmentation',
    description:
      'Attempts, success/failure rates, volume and fees by method × country × size band × new/returning.',
    source: 'mart_payment_segments',
    params: [
      FROM,
      TO,
      CURRENCY,
      {
        name: 'method',
        type: 'string',
        description: 'Payment method',
        values: ['card', 'ach', 'manual', 'other'],
      },
      { name: 'country', type: 'string', description: 'ISO country code of the payer' },
    ],
    money: ['volume_minor', 'fees_minor'],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_payment_segments
          WHERE ${RANGE} AND ($method IS NULL OR method = $method) AND ($country IS NULL OR country = upper($country))`,
    order: 'month, method, country, size_band, customer_type',
  },
  {
    name: 'ar_aging',
    title: 'Accounts receivable aging',
    description: 'Open invoice balances by customer and days past due at the as-of date.',
    source: 'mart_ar_aging',
    params: [CURRENCY, SEGMENT],
    money: ['open_minor'],
    monthColumn: 'as_of',
    sql: `SELECT * FROM mart_ar_aging WHERE ($segment IS NULL OR segment = $segment)`,
    order: 'customer_id, bucket',
  },
  {
    name: 'dso',
    title: 'Days sales outstanding',
    description: 'Receivables at month end, billed and collected per month, and DSO.',
    source: 'mart_dso_monthly',
    params: [FROM, TO, CURRENCY],
    money: ['billed_minor', 'collected_minor', 'ar_end_minor'],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_dso_monthly WHERE ${RANGE}`,
    order: 'month',
  },
  {
    name: 'payout_composition',
    title: 'Payout composition',
    description:
      'Per payout: gross charges, fees, refunds, chargebacks, other and net (payout currency and *_report_minor converted).',
    source: 'mart_payout_composition',
    params: [FROM, TO, CURRENCY],
    money: [
      'amount_report_minor',
      'gross_report_minor',
      'fees_report_minor',
      'refunds_report_minor',
      'chargebacks_report_minor',
      'net_report_minor',
    ],
    monthColumn: 'month',
    sql: `SELECT * FROM mart_payout_composition WHERE ${RANGE}`,
    order: 'month, payout_date, payout_id',
  },
  {
    name: 'sync_status',
    title: 'Sync status',
    description: 'Per connection and object: hub records, linked, pending and not yet linked.',
    source: 'mart_sync_status',
    params: [],
    money: [],
    monthColumn: 'as_of',
    sql: `SELECT * FROM mart_sync_status`,
    order: 'connection_id, object',
  },
  {
    name: 'reconciliation',
    title: 'Reconciliation hub ↔ vendor',
    description:
      'Invoices and payments per syncing connection with the reason they do not match (amounts in document currency).',
    source: 'mart_reconciliation',
    params: [
      {
        name: 'reason',
        type: 'string',
        description: 'Only this outcome',
        values: ['missing_link', 'missing_external', 'currency', 'amount', 'matched'],
      },
      { name: 'connection_id', type: 'integer', description: 'Only this connection' },
    ],
    money: [],
    monthColumn: 'as_of',
    sql: `SELECT * FROM mart_reconciliation
          WHERE ($reason IS NULL OR reason = $reason) AND ($connection_id IS NULL OR connection_id = CAST($connection_id AS BIGINT))`,
    order: 'connection_id, object, local_id',
  },
];

export const REPORT_FORMATS = ['json', 'csv', 'arrow', 'parquet'] as const;

/**
 * Rows per report response: one page of `limit` rows (default 1,000, at most 1,000,000 for
 * exports) starting at row `offset` of the report's order. A page that is full says where the
 * next one starts (`next_offset`); a page of 1,000 keeps every report well under 50 ms.
 */
export const REPORT_ROWS = { default: 1_000, max: 1_000_000 };
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * Wraps a report so its money columns come out in `currency`: × 1/to_report of that currency at
 * the month's snapshot date (month end, or the as-of date for the current month). The page
 * ($limit rows from $offset, in the report's order) is cut first, so only its rows are converted.
 */
export function convertedSql(def: ReportDef): string {
  const snap =
    def.monthColumn === 'as_of'
      ? `(SELECT as_of FROM wh_settings)`
      : `CASE WHEN CAST(r.${def.monthColumn} + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) < (SELECT as_of FROM wh_settings)
              THEN CAST(r.${def.monthColumn} + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) ELSE (SELECT as_of FROM wh_settings) END`;
  const page = `SELECT * FROM (${def.sql}) q ORDER BY ${def.order} LIMIT $limit OFFSET $offset`;
  if (!def.money.length) return page;
  const replace = def.money.map((c) => `CAST(round(r.${c} / fx.to_report) AS BIGINT) AS ${c}`).join(', ');
  return `SELECT r.* REPLACE (${replace}), $currency AS currency
          FROM (${page}) r
          LEFT JOIN dim_fx_day fx ON fx.currency = $currency AND fx.date = ${snap}
          ORDER BY ${def.order}`;
}
