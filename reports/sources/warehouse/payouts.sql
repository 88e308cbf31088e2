-- Payouts per month in every currency with rates: net settled from payments (volume − fees, what
-- payouts should carry) next to what mart_payout_composition holds. Each mart row is converted
-- like the reports API (round(minor / to_report) at the month's snapshot) before summing, so the
-- totals equal the sums of the API's rows. A month spine keeps the result non-empty (Evidence
-- writes no data file for an empty source, which would break the page) while payouts are not
-- loaded into the warehouse yet.
WITH fx AS (
  SELECT d.month, f.currency, f.to_report
  FROM (SELECT DISTINCT month FROM dim_date, wh_settings s WHERE month <= s.as_of) d
  JOIN dim_fx_day f
    ON f.date = least(CAST(d.month + INTERVAL '1 month' - INTERVAL '1 day' AS DATE), (SELECT as_of FROM wh_settings))
   AND f.currency NOT IN (SELECT currency FROM dq_missing_fx)
),
pay AS (
  SELECT s.month, fx.currency,
         sum(CAST(round(s.volume_minor / fx.to_report) AS BIGINT)) AS volume_minor,
         sum(CAST(round(s.fees_minor / fx.to_report) AS BIGINT)) AS fees_minor
  FROM mart_payment_segments s JOIN fx ON fx.month = s.month
  GROUP BY s.month, fx.currency
),
po AS (
  SELECT p.month, fx.currency,
         sum(CAST(round(p.net_report_minor / fx.to_report) AS BIGINT)) AS payout_net_minor,
         sum(p.transactions) AS payout_transactions
  FROM mart_payout_composition p JOIN fx ON fx.month = p.month
  GROUP BY p.month, fx.currency
)
SELECT fx.month, fx.currency,
       CAST(coalesce(pay.volume_minor, 0) AS BIGINT) AS volume_minor,
       CAST(coalesce(pay.fees_minor, 0) AS BIGINT) AS fees_minor,
       CAST(coalesce(pay.volume_minor, 0) - coalesce(pay.fees_minor, 0) AS BIGINT) AS net_settled_minor,
       CAST(coalesce(po.payout_net_minor, 0) AS BIGINT) AS payout_net_minor,
       CAST(coalesce(po.payout_transactions, 0) AS BIGINT) AS payout_transactions
FROM fx
LEFT JOIN pay ON pay.month = fx.month AND pay.currency = fx.currency
LEFT JOIN po ON po.month = fx.month AND po.currency = fx.currency
WHERE fx.month >= coalesce((SELECT min(month) FROM fct_payment), date_trunc('month', (SELECT as_of FROM wh_settings)))
