-- AR aging at the as-of date (open invoices, converted at the as-of rate) and monthly DSO.
CREATE OR REPLACE TABLE mart_ar_aging AS
-- Set-based, aggregate first: each open invoice is bucketed (a small integer) and converted at the
-- as-of rate (rounded once per invoice), summed per customer × bucket, and only the ~1 row per
-- customer and bucket is then joined to the customer's segment and labelled.
WITH s AS (SELECT as_of FROM wh_settings),
fx AS (SELECT f.currency, f.to_report FROM dim_fx_day f JOIN s ON f.date = s.as_of),
open_inv AS (
  SELECT i.customer_id,
         CASE WHEN s.as_of - coalesce(i.due_date, i.issue_date) <= 0 THEN 0
              WHEN s.as_of - coalesce(i.due_date, i.issue_date) <= 30 THEN 1
              WHEN s.as_of - coalesce(i.due_date, i.issue_date) <= 60 THEN 2
              WHEN s.as_of - coalesce(i.due_date, i.issue_date) <= 90 THEN 3
              ELSE 4 END AS bucket_no,
         round(i.amount_due_minor * fx.to_report) AS open_report
  FROM fct_invoice i
  CROSS JOIN s
  LEFT JOIN fx ON fx.currency = i.currency
  WHERE i.status = 'open' AND i.amount_due_minor > 0 AND i.issue_date <= s.as_of
),
agg AS (
  SELECT customer_id, bucket_no, count(*) AS invoices, sum(open_report) AS open_minor
  FROM open_inv
  GROUP BY customer_id, bucket_no
)
SELECT s.as_of, a.customer_id, coalesce(c.segment, 'unknown') AS segment,
       CASE a.bucket_no WHEN 0 THEN 'current' WHEN 1 THEN '1_30' WHEN 2 THEN '31_60' WHEN 3 THEN '61_90'
            ELSE '90_plus' END AS bucket,
       CAST(a.invoices AS BIGINT) AS invoices,
       CAST(a.open_minor AS BIGINT) AS open_minor
FROM agg a
CROSS JOIN s
LEFT JOIN dim_customer c ON c.customer_id = a.customer_id
ORDER BY a.customer_id, bucket;

-- DSO = receivables at month end / billed in the month × days in the month.
CREATE OR REPLACE TABLE mart_dso_monthly AS
WITH months AS (
  SELECT month, max(date) AS month_end, count(*) AS days
  FROM dim_date CROSS JOIN wh_settings s WHERE month <= s.as_of GROUP BY month
),
billed AS (SELECT month, sum(total_report_minor) AS billed FROM fct_invoice WHERE counts_as_billed GROUP BY month),
collected AS (
  SELECT month, sum(amount_report_minor) AS collected FROM fct_payment
  WHERE is_success AND invoice_id IS NOT NULL GROUP BY month
),
j AS (
  SELECT m.month, m.days, coalesce(b.billed, 0) AS billed, coalesce(c.collected, 0) AS collected
  FROM months m LEFT JOIN billed b ON b.month = m.month LEFT JOIN collected c ON c.month = m.month
)
SELECT month, CAST(billed AS BIGINT) AS billed_minor, CAST(collected AS BIGINT) AS collected_minor,
       CAST(sum(billed - collected) OVER (ORDER BY month) AS BIGINT) AS ar_end_minor,
       days,
       CASE WHEN billed > 0 THEN CAST(sum(billed - collected) OVER (ORDER BY month) AS DOUBLE PRECISION) / billed * days END AS dso_days
FROM j;
