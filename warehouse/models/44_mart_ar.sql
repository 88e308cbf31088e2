-- AR aging at the as-of date (open invoices, converted at the as-of rate) and monthly DSO.
CREATE OR REPLACE TABLE mart_ar_aging AS
WITH open_inv AS (
  SELECT i.invoice_id, i.customer_id, i.currency, i.amount_due_minor, s.as_of,
         s.as_of - coalesce(i.due_date, i.issue_date) AS days_past_due
  FROM fct_invoice i CROSS JOIN wh_settings s
  WHERE i.status = 'open' AND i.amount_due_minor > 0 AND i.issue_date <= s.as_of
)
SELECT o.as_of, o.customer_id, coalesce(c.segment, 'unknown') AS segment,
       CASE WHEN o.days_past_due <= 0 THEN 'current'
            WHEN o.days_past_due <= 30 THEN '1_30'
            WHEN o.days_past_due <= 60 THEN '31_60'
            WHEN o.days_past_due <= 90 THEN '61_90'
            ELSE '90_plus' END AS bucket,
       CAST(count(*) AS BIGINT) AS invoices,
       CAST(sum(round(o.amount_due_minor * fx.to_report)) AS BIGINT) AS open_minor
FROM open_inv o
LEFT JOIN dim_customer c ON c.customer_id = o.customer_id
LEFT JOIN dim_fx_day fx ON fx.currency = o.currency AND fx.date = o.as_of
GROUP BY 1, 2, 3, 4;

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
