-- Currencies the dashboards can show: those with exchange rates for every day (same rule as the
-- reports API, which refuses a currency without rates), reporting currency first.
SELECT fx.currency, coalesce(c.exponent, 2) AS exponent,
       fx.currency = (SELECT reporting_currency FROM wh_settings) AS is_reporting
FROM (SELECT currency FROM dim_fx_day GROUP BY currency HAVING bool_and(to_report IS NOT NULL)) fx
LEFT JOIN wh_currency c ON c.code = fx.currency
ORDER BY is_reporting DESC, fx.currency
