-- Dimensions: date, currency (+ daily conversion factors), customer, product.
CREATE OR REPLACE TABLE dim_date AS
-- Bounds come straight from the raw tables (no staging joins): a calendar may be wider than the
-- data, never narrower. Column maxima before greatest(): the same bound (both skip NULLs), one
-- plain aggregate per column instead of an expression per row.
WITH bounds AS (
  SELECT least((SELECT min(issue_date) FROM raw_invoices),
               (SELECT CAST(min(created_at) AS DATE) FROM raw_payments),
               (SELECT min(start_date) FROM raw_subscriptions),
               (SELECT as_of FROM wh_settings)) AS lo,
         greatest((SELECT max(due_date) FROM raw_invoices),
                  (SELECT CAST(greatest(max(created_at), max(paid_at), max(updated_at)) AS DATE) FROM raw_payments),
                  -- Refunds, disputes and payouts can land after the last invoice or payment.
                  (SELECT CAST(max(refunded_at) AS DATE) FROM raw_refunds),
                  (SELECT CAST(max(opened_at) AS DATE) FROM raw_disputes),
                  (SELECT greatest(max(arrival_date), CAST(max(initiated_at) AS DATE)) FROM raw_payouts),
                  (SELECT CAST(max(occurred_at) AS DATE) FROM raw_balance_transactions),
                  (SELECT as_of FROM wh_settings)) AS hi
)
SELECT CAST(d AS DATE) AS date,
       CAST(date_trunc('month', d) AS DATE) AS month,
       CAST(date_trunc('month', d) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS month_end,
       year(d) AS year, quarter(d) AS quarter, month(d) AS month_of_year
FROM bounds, generate_series(CAST(date_trunc('year', lo) AS TIMESTAMP),
                             CAST(date_trunc('year', hi) + INTERVAL '1 year' - INTERVAL '1 day' AS TIMESTAMP),
                             INTERVAL '1 day') AS g(d);

CREATE OR REPLACE TABLE dim_currency AS
SELECT c.code AS currency, c.exponent,
       EXISTS (SELECT 1 FROM stg_fx_rates r WHERE r.currency = c.code) AS has_rates,
       c.code = (SELECT reporting_currency FROM wh_settings) AS is_reporting
FROM wh_currency c;

-- Factor converting minor units of `currency` on `date` into minor units of the reporting
-- currency: rate(c)/rate(R) × 10^(exp R − exp c). The rate in force is the latest on or before
-- the date, else the earliest known (so early history is not dropped). No rate at all → NULL:
-- such amounts stay out of converted totals and show up in dq_missing_fx.
CREATE OR REPLACE TABLE dim_fx_day AS
WITH cur AS (
  SELECT DISTINCT currency FROM (
    SELECT currency FROM stg_fx_rates
    -- = the currencies of stg_invoices/stg_payments/stg_subscriptions (their joins never add or
    -- drop rows), read without the joins: an incremental refresh recomputes this often.
    UNION ALL SELECT upper(currency) FROM raw_invoices WHERE archived_at IS NULL
    UNION ALL SELECT upper(currency) FROM raw_payments WHERE archived_at IS NULL
    UNION ALL SELECT upper(currency) FROM raw_subscriptions WHERE archived_at IS NULL
    UNION ALL SELECT upper(currency) FROM raw_refunds
    UNION ALL SELECT upper(currency) FROM raw_disputes
    UNION ALL SELECT upper(currency) FROM raw_payouts
    UNION ALL SELECT upper(currency) FROM raw_balance_transactions
    UNION ALL SELECT reporting_currency FROM wh_settings)
),
earliest AS (SELECT currency, arg_min(rate, rate_date) AS rate FROM stg_fx_rates GROUP BY currency),
per_day AS (
  SELECT cur.currency, d.date, coalesce(r.rate, e.rate) AS rate
  FROM cur CROSS JOIN dim_date d
  ASOF LEFT JOIN stg_fx_rates r ON r.currency = cur.currency AND d.date >= r.rate_date
  LEFT JOIN earliest e ON e.currency = cur.currency
)
SELECT p.currency, p.date,
       p.rate / rp.rate * pow(10, coalesce(er.exponent, 2) - coalesce(ec.exponent, 2)) AS to_report
FROM per_day p
JOIN per_day rp ON rp.date = p.date AND rp.currency = (SELECT reporting_currency FROM wh_settings)
LEFT JOIN wh_currency ec ON ec.code = p.currency
LEFT JOIN wh_currency er ON er.code = (SELECT reporting_currency FROM wh_settings);

CREATE OR REPLACE TABLE dq_missing_fx AS
SELECT currency FROM dim_fx_day GROUP BY currency HAVING bool_or(to_report IS NULL);

CREATE OR REPLACE TABLE dim_product AS
SELECT product_id, name, sku, frequency, currency, price_minor, active, archived,
       frequency <> 'one_time' AS is_recurring
FROM stg_products;

-- Segment by annual revenue converted to the reporting currency (major units, thresholds are
-- settings); unknown when the company gave none.
CREATE OR REPLACE TABLE dim_customer AS
SELECT c.company_id AS customer_id, c.name, c.country, c.industry, c.currency, c.created_at,
       CASE
         WHEN c.annual_revenue_minor IS NULL OR fx.to_report IS NULL THEN 'unknown'
         WHEN c.annual_revenue_minor * fx.to_report / pow(10, er.exponent) < s.segment_mid_market_from THEN 'smb'
         WHEN c.annual_revenue_minor * fx.to_report / pow(10, er.exponent) < s.segment_enterprise_from THEN 'mid_market'
         ELSE 'enterprise'
       END AS segment
FROM stg_companies c
CROSS JOIN wh_settings s
LEFT JOIN wh_currency er ON er.code = s.reporting_currency
LEFT JOIN dim_fx_day fx ON fx.currency = coalesce(c.currency, s.reporting_currency) AND fx.date = s.as_of;
