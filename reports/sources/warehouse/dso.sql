-- mart_dso_monthly, money converted like the reports API.
SELECT d.month, d.days, d.dso_days, fx.currency,
       CAST(round(d.billed_minor / fx.to_report) AS BIGINT) AS billed_minor,
       CAST(round(d.collected_minor / fx.to_report) AS BIGINT) AS collected_minor,
       CAST(round(d.ar_end_minor / fx.to_report) AS BIGINT) AS ar_end_minor
FROM mart_dso_monthly d
JOIN dim_fx_day fx
  ON fx.date = least(CAST(d.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE), (SELECT as_of FROM wh_settings))
 AND fx.currency NOT IN (SELECT currency FROM dq_missing_fx)
