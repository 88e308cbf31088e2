-- MRR per customer and month-end snapshot (the as-of date for the current month), expanded
-- from subscription periods into months (no range join), converted at the snapshot's rate and
-- rounded once per customer-month. Movements compare with the previous month; rules in METRICS.md.
CREATE OR REPLACE TABLE mart_mrr_customer_monthly AS
WITH months AS (
  SELECT DISTINCT d.month, CASE WHEN d.month_end < s.as_of THEN d.month_end ELSE s.as_of END AS snap
  FROM dim_date d CROSS JOIN wh_settings s
  WHERE d.month <= s.as_of
),
-- The month grid per customer: every month from its first item's month to the as-of month, so
-- months without MRR (after a churn) get a row; summed together with the items, no join needed.
grid AS (
  SELECT c.customer_id, mo.month, CAST(0 AS DOUBLE PRECISION) AS v
  FROM (SELECT customer_id, min(first_month) AS first_month FROM fct_subscription_period GROUP BY customer_id) AS c
  JOIN months mo ON mo.month >= c.first_month
),
-- Each item in each month it may apply (no range join); it counts when it applies on the snapshot.
items AS (
  SELECT p.customer_id, CAST(g.m AS DATE) AS month, p.currency, p.mrr_minor_exact, p.period_start, p.period_end
  FROM fct_subscription_period p
  CROSS JOIN LATERAL generate_series(p.first_month, p.last_month, INTERVAL '1 month') AS g(m)
),
valued AS (
  SELECT e.customer_id, e.month, e.mrr_minor_exact * fx.to_report AS v
  FROM items e
  JOIN months mo ON mo.month = e.month
  JOIN dim_fx_day fx ON fx.currency = e.currency AND fx.date = mo.snap
  WHERE e.period_start <= mo.snap AND (e.period_end IS NULL OR mo.snap < e.period_end)
),
per_month AS (
  SELECT customer_id, month, sum(v) AS mrr, CAST(coalesce(round(sum(v)), 0) AS BIGINT) AS mrr_minor
  FROM (SELECT * FROM grid UNION ALL SELECT * FROM valued) AS u
  GROUP BY customer_id, month
),
-- One window pass (same partition and order): cohort = first month with MRR > 0, previous month's
-- MRR (0 in the cohort month) and the last month with MRR before this one.
with_prev AS (
  SELECT customer_id, month, mrr_minor,
         min(CASE WHEN mrr > 0 THEN month END) OVER (
           PARTITION BY customer_id ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS cohort_month,
         coalesce(lag(mrr_minor) OVER (PARTITION BY customer_id ORDER BY month), 0) AS lag_mrr_minor,
         max(CASE WHEN mrr_minor > 0 THEN month END) OVER (
           PARTITION BY customer_id ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_active_month
  FROM per_month
),
series AS (
  SELECT customer_id, cohort_month, month, mrr_minor,
         CASE WHEN month = cohort_month THEN 0 ELSE lag_mrr_minor END AS prev_mrr_minor, last_active_month
  FROM with_prev
  WHERE month >= cohort_month
)
SELECT w.customer_id, w.cohort_month, w.month, w.mrr_minor, w.prev_mrr_minor,
       w.mrr_minor - w.prev_mrr_minor AS delta_minor,
       CASE
         WHEN w.prev_mrr_minor = 0 AND w.mrr_minor > 0 AND (w.last_active_month IS NULL OR
              (CAST(EXTRACT(YEAR FROM w.month) AS INTEGER) - CAST(EXTRACT(YEAR FROM w.last_active_month) AS INTEGER)) * 12
              + CAST(EXTRACT(MONTH FROM w.month) AS INTEGER) - CAST(EXTRACT(MONTH FROM w.last_active_month) AS INTEGER)
              > s.reactivation_window_months + 1) THEN 'new'
         WHEN w.prev_mrr_minor = 0 AND w.mrr_minor > 0 THEN 'reactivation'
         WHEN w.prev_mrr_minor > 0 AND w.mrr_minor = 0 THEN 'churn'
         WHEN w.mrr_minor > w.prev_mrr_minor THEN 'expansion'
         WHEN w.mrr_minor < w.prev_mrr_minor THEN 'contraction'
         WHEN w.mrr_minor > 0 THEN 'retained'
         ELSE 'inactive'
       END AS movement
FROM series w CROSS JOIN wh_settings s
-- Stored in report order: a page of the mrr_customers report (ORDER BY month, customer_id LIMIT n)
-- then reads only the first row groups of its month range.
ORDER BY w.month, w.customer_id;

CREATE OR REPLACE TABLE mart_mrr_monthly AS
-- Aggregate per month × movement first (plain sums over the customer rows), then pivot the few
-- movement rows of each month into columns.
WITH by_movement AS (
  SELECT month, movement,
         sum(mrr_minor) AS mrr_minor,
         sum(delta_minor) AS delta_minor,
         sum(CASE WHEN mrr_minor > 0 THEN 1 ELSE 0 END) AS customers,
         count(*) AS rows_n
  FROM mart_mrr_customer_monthly
  GROUP BY month, movement
)
SELECT month,
       CAST(sum(mrr_minor) AS BIGINT) AS mrr_minor,
       CAST(sum(mrr_minor) * 12 AS BIGINT) AS arr_minor,
       CAST(sum(customers) AS BIGINT) AS customers,
       CAST(sum(CASE WHEN movement = 'new' THEN delta_minor ELSE 0 END) AS BIGINT) AS new_minor,
       CAST(sum(CASE WHEN movement = 'expansion' THEN delta_minor ELSE 0 END) AS BIGINT) AS expansion_minor,
       CAST(sum(CASE WHEN movement = 'contraction' THEN delta_minor ELSE 0 END) AS BIGINT) AS contraction_minor,
       CAST(sum(CASE WHEN movement = 'churn' THEN delta_minor ELSE 0 END) AS BIGINT) AS churn_minor,
       CAST(sum(CASE WHEN movement = 'reactivation' THEN delta_minor ELSE 0 END) AS BIGINT) AS reactivation_minor,
       CAST(sum(delta_minor) AS BIGINT) AS net_new_minor,
       CAST(sum(CASE WHEN movement = 'new' THEN rows_n ELSE 0 END) AS BIGINT) AS new_customers,
       CAST(sum(CASE WHEN movement = 'churn' THEN rows_n ELSE 0 END) AS BIGINT) AS churned_customers,
       CAST(sum(CASE WHEN movement = 'reactivation' THEN rows_n ELSE 0 END) AS BIGINT) AS reactivated_customers
FROM by_movement
GROUP BY month;
