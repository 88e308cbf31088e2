-- Payout composition: what each month's payouts were made of (charges, refunds, disputes, fees).
CREATE OR REPLACE TABLE mart_payout_composition AS
SELECT month, type, CAST(count(*) AS BIGINT) AS transactions,
       CAST(sum(amount_minor) AS BIGINT) AS amount_minor, CAST(sum(fee_minor) AS BIGINT) AS fee_minor,
       CAST(sum(net_report_minor) AS BIGINT) AS net_report_minor, currency
FROM fct_balance_transaction
GROUP BY month, type, currency;
