-- mart_cohorts, MRR converted like the reports API (at the snapshot of `month`).
SELECT c.cohort_month, c.month, c.months_since, c.cohort_customers, c.active_customers,
       c.logo_retention, c.revenue_retention, fx.currency,
       CAST(round(c.mrr_minor / fx.to_report) AS BIGINT) AS mrr_minor
FROM mart_cohorts c
JOIN dim_fx_day fx
  ON fx.date = least(CAST(c.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE), (SELECT as_of FROM wh_settings))
 AND fx.currency NOT IN (SELECT currency FROM dq_missing_fx)
