-- mart_mrr_monthly + NRR/GRR from mart_retention_monthly, converted like the reports API.
SELECT m.month, fx.currency,
       CAST(round(m.mrr_minor / fx.to_report) AS BIGINT) AS mrr_minor,
       CAST(round(m.arr_minor / fx.to_report) AS BIGINT) AS arr_minor,
       CAST(round(m.new_minor / fx.to_report) AS BIGINT) AS new_minor,
       CAST(round(m.expansion_minor / fx.to_report) AS BIGINT) AS expansion_minor,
       CAST(round(m.contraction_minor / fx.to_report) AS BIGINT) AS contraction_minor,
       CAST(round(m.churn_minor / fx.to_report) AS BIGINT) AS churn_minor,
       CAST(round(m.reactivation_minor / fx.to_report) AS BIGINT) AS reactivation_minor,
       CAST(round(m.net_new_minor / fx.to_report) AS BIGINT) AS net_new_minor,
       m.customers, m.new_customers, m.churned_customers, m.reactivated_customers,
       r.nrr, r.grr, r.quick_ratio, r.logo_churn_rate
FROM mart_mrr_monthly m
LEFT JOIN mart_retention_monthly r ON r.month = m.month
JOIN dim_fx_day fx
  ON fx.date = least(CAST(m.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE), (SELECT as_of FROM wh_settings))
 AND fx.currency NOT IN (SELECT currency FROM dq_missing_fx)
