-- Trailing-12-month NRR/GRR, quick ratio and logo churn per month; cohorts by first MRR month.
CREATE OR REPLACE TABLE mart_retention_monthly AS
WITH base AS (
  SELECT cur.month,
         sum(prev.mrr_minor) AS starting_mrr_minor,
         sum(cur.mrr_minor) AS retained_mrr_minor,
         sum(CASE WHEN cur.mrr_minor < prev.mrr_minor THEN cur.mrr_minor ELSE prev.mrr_minor END) AS gross_retained_minor
  FROM mart_mrr_customer_monthly prev
  JOIN mart_mrr_customer_monthly cur
    ON cur.customer_id = prev.customer_id AND cur.month = CAST(prev.month + INTERVAL '12 months' AS DATE)
  WHERE prev.mrr_minor > 0
  GROUP BY cur.month
)
SELECT m.month, m.mrr_minor,
       CAST(b.starting_mrr_minor AS BIGINT) AS starting_mrr_12m_minor,
       CASE WHEN b.starting_mrr_minor > 0 THEN CAST(b.retained_mrr_minor AS DOUBLE PRECISION) / b.starting_mrr_minor END AS nrr,
       CASE WHEN b.starting_mrr_minor > 0 THEN CAST(b.gross_retained_minor AS DOUBLE PRECISION) / b.starting_mrr_minor END AS grr,
       CASE WHEN m.churn_minor + m.contraction_minor < 0
            THEN CAST(m.new_minor + m.expansion_minor + m.reactivation_minor AS DOUBLE PRECISION) / -(m.churn_minor + m.contraction_minor)
       END AS quick_ratio,
       CASE WHEN lag(m.customers) OVER (ORDER BY m.month) > 0
            THEN CAST(m.churned_customers AS DOUBLE PRECISION) / lag(m.customers) OVER (ORDER BY m.month)
       END AS logo_churn_rate
FROM mart_mrr_monthly m
LEFT JOIN base b ON b.month = m.month;

CREATE OR REPLACE TABLE mart_cohorts AS
-- Aggregate per cohort × month first; months since the cohort month is computed on those rows.
WITH agg AS (
  SELECT cohort_month, month,
         count(*) AS cohort_customers,
         sum(CASE WHEN mrr_minor > 0 THEN 1 ELSE 0 END) AS active_customers,
         sum(mrr_minor) AS mrr_minor
  FROM mart_mrr_customer_monthly
  GROUP BY cohort_month, month
)
SELECT cohort_month, month,
       (CAST(EXTRACT(YEAR FROM month) AS INTEGER) - CAST(EXTRACT(YEAR FROM cohort_month) AS INTEGER)) * 12
         + CAST(EXTRACT(MONTH FROM month) AS INTEGER) - CAST(EXTRACT(MONTH FROM cohort_month) AS INTEGER) AS months_since,
       CAST(cohort_customers AS BIGINT) AS cohort_customers,
       CAST(active_customers AS BIGINT) AS active_customers,
       CAST(mrr_minor AS BIGINT) AS mrr_minor,
       CAST(active_customers AS DOUBLE PRECISION) / cohort_customers AS logo_retention,
       CASE WHEN first_value(mrr_minor) OVER (PARTITION BY cohort_month ORDER BY month) > 0
            THEN CAST(mrr_minor AS DOUBLE PRECISION) / first_value(mrr_minor) OVER (PARTITION BY cohort_month ORDER BY month)
       END AS revenue_retention
FROM agg;
