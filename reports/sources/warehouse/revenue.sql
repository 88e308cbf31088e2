-- mart_revenue_monthly in every currency with rates. Conversion is the reports API's:
-- round(minor / to_report) at the month's snapshot (month end, or the as-of date for the
-- current month), so the pages' totals equal GET /api/v1/reports/revenue for the same parameters.
SELECT r.month, r.product_id, coalesce(p.name, 'Unallocated') AS product_name, r.segment, fx.currency,
       CAST(round(r.billed_minor / fx.to_report) AS BIGINT) AS billed_minor,
       CAST(round(r.collected_minor / fx.to_report) AS BIGINT) AS collected_minor,
       CAST(round(r.refunded_minor / fx.to_report) AS BIGINT) AS refunded_minor,
       CAST(round(r.net_minor / fx.to_report) AS BIGINT) AS net_minor
FROM mart_revenue_monthly r
LEFT JOIN dim_product p ON p.product_id = r.product_id
JOIN dim_fx_day fx
  ON fx.date = least(CAST(r.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE), (SELECT as_of FROM wh_settings))
 AND fx.currency NOT IN (SELECT currency FROM dq_missing_fx)
