-- The load's as-of date and reporting currency (one row).
SELECT reporting_currency, CAST(as_of AS DATE) AS as_of FROM wh_settings
