-- mart_payment_segments, volume and fees converted like the reports API.
SELECT s.month, s.method, s.country, s.size_band, s.customer_type, s.attempts, s.succeeded, s.failed,
       fx.currency,
       CAST(round(s.volume_minor / fx.to_report) AS BIGINT) AS volume_minor,
       CAST(round(s.fees_minor / fx.to_report) AS BIGINT) AS fees_minor
FROM mart_payment_segments s
JOIN dim_fx_day fx
  ON fx.date = least(CAST(s.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE), (SELECT as_of FROM wh_settings))
 AND fx.currency NOT IN (SELECT currency FROM dq_missing_fx)
