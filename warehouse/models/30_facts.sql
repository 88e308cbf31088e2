-- Facts at their natural grain. Money columns: *_minor in the document currency and
-- *_report_minor in the reporting currency (converted on the event date through dim_fx_day,
-- rounded once per row, half away from zero).
CREATE OR REPLACE TABLE dim_frequency AS
SELECT * FROM (VALUES
  ('one_time', 0, 1), ('weekly', 52, 1), ('biweekly', 26, 1), ('monthly', 12, 1),
  ('quarterly', 4, 1), ('semiannual', 2, 1), ('annual', 1, 1), ('every_2_years', 1, 2),
  ('every_3_years', 1, 3), ('every_4_years', 1, 4), ('every_5_years', 1, 5)
) AS t(frequency, per_year_num, per_year_den);

CREATE OR REPLACE TABLE fct_invoice AS
SELECT i.invoice_id, i.number, i.customer_id, i.status, i.currency, i.issue_date, i.due_date,
       CAST(date_trunc('month', i.issue_date) AS DATE) AS month, i.source, i.source_id,
       i.total_minor, i.tax_minor, i.amount_paid_minor, i.amount_due_minor,
       CAST(round(i.total_minor * fx.to_report) AS BIGINT) AS total_report_minor,
       i.status IN ('open', 'paid', 'uncollectible') AS counts_as_billed
FROM stg_invoices i
LEFT JOIN dim_fx_day fx ON fx.currency = i.currency AND fx.date = i.issue_date;

CREATE OR REPLACE TABLE fct_invoice_line AS
SELECT l.line_id, l.invoice_id, i.customer_id, l.product_id, i.status AS invoice_status,
       i.counts_as_billed, i.issue_date, i.month, i.currency, l.quantity, l.amount_minor, l.tax_minor,
       CAST(round(l.amount_minor * i.to_report) AS BIGINT) AS amount_report_minor,
       CAST(round(l.tax_minor * i.to_report) AS BIGINT) AS tax_report_minor,
       l.service_start, l.service_end
FROM stg_invoice_lines l
-- The conversion factor is looked up once per invoice, not once per line.
JOIN (SELECT i.invoice_id, i.customer_id, i.status, i.counts_as_billed, i.issue_date, i.month, i.currency, fx.to_report
      FROM fct_invoice i
      LEFT JOIN dim_fx_day fx ON fx.currency = i.currency AND fx.date = i.issue_date) AS i
  ON i.invoice_id = l.invoice_id;

-- One row per payment attempt. customer_type: 'new' until the customer's first successful
-- payment (inclusive), 'returning' after it.
CREATE OR REPLACE TABLE fct_payment AS
-- Not materialized: the first-payment lookups read four columns of it, the final select all.
WITH p AS NOT MATERIALIZED (
  SELECT *, coalesce(paid_date, created_date) AS event_date,
         status IN ('succeeded', 'refunded', 'partially_refunded', 'disputed') AS is_success,
         status IN ('failed', 'canceled') AS is_failure
  FROM stg_payments
),
-- Each customer's first successful payment: earliest date, then lowest id (two aggregates, no sort).
first_day AS (SELECT customer_id, min(event_date) AS d FROM p WHERE is_success GROUP BY customer_id),
firsts AS (
  SELECT p.customer_id, f.d, min(p.payment_id) AS first_id
  FROM p JOIN first_day f ON f.customer_id = p.customer_id AND f.d = p.event_date
  WHERE p.is_success
  GROUP BY p.customer_id, f.d
)
SELECT p.payment_id, p.invoice_id, p.subscription_id, p.customer_id, p.created_date, p.paid_date,
       p.event_date, CAST(date_trunc('month', p.event_date) AS DATE) AS month, p.method, p.status,
       p.processor, p.is_success, p.is_failure, p.currency, p.amount_minor, p.fee_minor, p.net_minor,
       CAST(round(p.amount_minor * fx.to_report) AS BIGINT) AS amount_report_minor,
       CAST(round(p.fee_minor * fx.to_report) AS BIGINT) AS fee_report_minor,
       coalesce(ct.country, co.country, 'unknown') AS country,
       CASE
         WHEN fx.to_report IS NULL THEN 'unknown'
         WHEN p.amount_minor * fx.to_report / pow(10, er.exponent) < s.size_band_medium_from THEN 'small'
         WHEN p.amount_minor * fx.to_report / pow(10, er.exponent) < s.size_band_large_from THEN 'medium'
         WHEN p.amount_minor * fx.to_report / pow(10, er.exponent) < s.size_band_xlarge_from THEN 'large'
         ELSE 'xlarge'
       END AS size_band,
       CASE WHEN f.first_id IS NULL OR p.event_date < f.d OR (p.event_date = f.d AND p.payment_id <= f.first_id)
            THEN 'new' ELSE 'returning' END AS customer_type
FROM p
CROSS JOIN wh_settings s
LEFT JOIN wh_currency er ON er.code = s.reporting_currency
LEFT JOIN dim_fx_day fx ON fx.currency = p.currency AND fx.date = p.event_date
LEFT JOIN stg_contacts ct ON ct.contact_id = p.contact_id
LEFT JOIN stg_companies co ON co.company_id = p.customer_id
LEFT JOIN firsts f ON f.customer_id = p.customer_id;

CREATE OR REPLACE TABLE fct_refund AS
SELECT r.refund_id, r.payment_id, r.invoice_id, r.customer_id, r.refund_date,
       CAST(date_trunc('month', r.refund_date) AS DATE) AS month, r.status, r.reason, r.currency,
       r.amount_minor, CAST(round(r.amount_minor * fx.to_report) AS BIGINT) AS amount_report_minor
FROM stg_refunds r
LEFT JOIN dim_fx_day fx ON fx.currency = r.currency AND fx.date = r.refund_date;

-- Disputes (chargebacks) at their opening date; fee_minor is the processor's dispute fee.
CREATE OR REPLACE TABLE fct_dispute AS
SELECT d.dispute_id, d.payment_id, d.invoice_id, d.customer_id, d.opened_date,
       CAST(date_trunc('month', d.opened_date) AS DATE) AS month, d.status, d.reason, d.currency,
       d.amount_minor, d.fee_minor,
       CAST(round(d.amount_minor * fx.to_report) AS BIGINT) AS amount_report_minor,
       CAST(round(d.fee_minor * fx.to_report) AS BIGINT) AS fee_report_minor
FROM stg_disputes d
LEFT JOIN dim_fx_day fx ON fx.currency = d.currency AND fx.date = d.opened_date;

-- Payouts, dated (and converted) by the day the money arrives, else the day they were initiated.
CREATE OR REPLACE TABLE fct_payout AS
SELECT p.payout_id, p.processor, p.initiated_date, p.arrival_date, p.payout_date,
       CAST(date_trunc('month', p.payout_date) AS DATE) AS month, p.status, p.currency, p.amount_minor,
       CAST(round(p.amount_minor * fx.to_report) AS BIGINT) AS amount_report_minor
FROM stg_payouts p
LEFT JOIN dim_fx_day fx ON fx.currency = p.currency AND fx.date = p.payout_date;

-- The processor's ledger lines: charge / refund / dispute / payout / other (category), signed
-- amount, fee and net in the transaction currency, converted on the day they occurred.
CREATE OR REPLACE TABLE fct_balance_transaction AS
SELECT b.balance_transaction_id, b.payout_id, b.payment_id, b.refund_id, b.dispute_id, b.type, b.category,
       b.created_date, CAST(date_trunc('month', b.created_date) AS DATE) AS month, b.available_on,
       b.currency, b.amount_minor, b.fee_minor, b.net_minor,
       CAST(round(b.amount_minor * fx.to_report) AS BIGINT) AS amount_report_minor,
       CAST(round(b.fee_minor * fx.to_report) AS BIGINT) AS fee_report_minor,
       CAST(round(b.net_minor * fx.to_report) AS BIGINT) AS net_report_minor
FROM stg_balance_transactions b
LEFT JOIN dim_fx_day fx ON fx.currency = b.currency AND fx.date = b.created_date;

-- Money received and returned, allocated to invoice lines pro rata to each line's gross
-- (amount + tax) with the largest-remainder method so every cent lands on exactly one line.
-- Payments without an invoice (or with an empty one) stay unallocated (product NULL).
CREATE OR REPLACE TABLE fct_collection_line AS
WITH money AS (
  SELECT 'collected' AS kind, payment_id AS source_id, invoice_id, customer_id, currency, amount_minor, event_date
  FROM fct_payment WHERE is_success
  UNION ALL
  SELECT 'refunded', refund_id, invoice_id, customer_id, currency, amount_minor, refund_date FROM fct_refund
  WHERE status = 'succeeded'
),
lines AS (SELECT invoice_id, line_id, product_id, amount_minor + tax_minor AS gross FROM fct_invoice_line),
tot AS (SELECT invoice_id, CAST(sum(gross) AS BIGINT) AS total FROM lines GROUP BY invoice_id),
-- The conversion factor is looked up once per money row, not once per allocated line.
mt AS (
  SELECT m.*, t.total, fx.to_report
  FROM money m
  LEFT JOIN tot t ON t.invoice_id = m.invoice_id AND t.total > 0
  LEFT JOIN dim_fx_day fx ON fx.currency = m.currency AND fx.date = m.event_date
),
-- Partial amounts: floor shares, then the leftover cents go to the largest remainders. Money equal
-- to its invoice's total (the common case) is each line's gross exactly, so it skips the ranking.
shares AS (
  SELECT m.*, l.line_id, l.product_id, l.gross
  FROM mt m JOIN lines l ON l.invoice_id = m.invoice_id
  WHERE m.amount_minor <> m.total
),
-- amount × gross fits BIGINT unless a factor reaches ~3·10^9 (√2^63): only then HUGEINT (several
-- times slower to divide). Share and remainder (< total) fit BIGINT either way.
floored AS (
  SELECT *,
         CASE WHEN abs(amount_minor) < 3037000499 AND abs(gross) < 3037000499 THEN amount_minor * gross // total
              ELSE CAST(CAST(amount_minor AS HUGEINT) * gross // total AS BIGINT) END AS base,
         CASE WHEN abs(amount_minor) < 3037000499 AND abs(gross) < 3037000499 THEN amount_minor * gross % total
              ELSE CAST(CAST(amount_minor AS HUGEINT) * gross % total AS BIGINT) END AS rem
  FROM shares
),
ranked AS (
  SELECT *, amount_minor - sum(base) OVER (PARTITION BY kind, source_id) AS leftover,
         row_number() OVER (PARTITION BY kind, source_id ORDER BY rem DESC, line_id) AS rn
  FROM floored
),
allocated AS (
  SELECT kind, source_id, invoice_id, customer_id, line_id, product_id, currency, event_date,
         CAST(base + CASE WHEN rn <= leftover THEN 1 ELSE 0 END AS BIGINT) AS amount_minor, to_report
  FROM ranked
  UNION ALL
  SELECT m.kind, m.source_id, m.invoice_id, m.customer_id, l.line_id, l.product_id, m.currency, m.event_date,
         l.gross, m.to_report
  FROM mt m JOIN lines l ON l.invoice_id = m.invoice_id
  WHERE m.amount_minor = m.total
  UNION ALL
  SELECT kind, source_id, invoice_id, customer_id, NULL, NULL, currency, event_date, amount_minor, to_report
  FROM mt WHERE total IS NULL
)
SELECT kind, source_id, invoice_id, customer_id, line_id, product_id, currency, event_date, amount_minor,
       CAST(date_trunc('month', event_date) AS DATE) AS month,
       CAST(round(amount_minor * to_report) AS BIGINT) AS amount_report_minor
FROM allocated;

-- When each subscription item applies: [period_start, period_end) clipped to the subscription's
-- life, with its monthly-normalised value (amount × periods per year / 12, unrounded) and the
-- month range to expand (up to the as-of date) for month-end MRR snapshots.
CREATE OR REPLACE TABLE fct_subscription_period AS
WITH p AS (
  SELECT i.line_id, s.subscription_id, s.customer_id, i.product_id, s.frequency, s.currency, i.amount_minor,
         greatest(coalesce(i.service_start, s.start_date), s.start_date) AS period_start,
         CASE WHEN i.service_end IS NULL THEN s.stop_date
              WHEN s.stop_date IS NULL THEN i.service_end
              ELSE least(i.service_end, s.stop_date) END AS period_end,
         f.per_year_num, f.per_year_den
  FROM stg_subscription_items i
  JOIN stg_subscriptions s ON s.subscription_id = i.subscription_id
  JOIN dim_frequency f ON f.frequency = s.frequency
  WHERE f.per_year_num > 0 AND s.customer_id IS NOT NULL
)
SELECT p.*, CAST(p.amount_minor AS DOUBLE) * p.per_year_num / (p.per_year_den * 12) AS mrr_minor_exact,
       CAST(date_trunc('month', p.period_start) AS TIMESTAMP) AS first_month,
       CAST(date_trunc('month', least(coalesce(p.period_end - 1, s.as_of), s.as_of)) AS TIMESTAMP) AS last_month
FROM p CROSS JOIN wh_settings s
WHERE (p.period_end IS NULL OR p.period_end > p.period_start) AND p.period_start <= s.as_of;

-- Sync engine: links between hub records and vendor records, and the vendor-side mirror
-- (empty until the sync engine's tables exist and hold data).
CREATE OR REPLACE TABLE fct_sync_link AS
SELECT l.connection_id, c.vendor, c.name AS connection_name, l.object, l.local_id, l.external_id, l.state, l.updated_at
FROM raw_external_links l
LEFT JOIN raw_connections c ON c.id = l.connection_id
WHERE c.archived_at IS NULL;

CREATE OR REPLACE TABLE fct_external_record AS
SELECT connection_id, object, external_id, amount_minor, upper(currency) AS currency, date, status, reference
FROM raw_external_records
WHERE deleted_at IS NULL;
