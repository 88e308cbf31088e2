-- mart_ar_aging (open balances at the as-of date), converted at the as-of date like the API.
SELECT a.customer_id, a.segment, a.bucket,
       CASE a.bucket WHEN 'current' THEN 0 WHEN '1_30' THEN 1 WHEN '31_60' THEN 2 WHEN '61_90' THEN 3 ELSE 4 END
         AS bucket_order,
       a.invoices, fx.currency, CAST(round(a.open_minor / fx.to_report) AS BIGINT) AS open_minor
FROM mart_ar_aging a
JOIN dim_fx_day fx ON fx.date = a.as_of AND fx.currency NOT IN (SELECT currency FROM dq_missing_fx)
