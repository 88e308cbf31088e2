-- Payout composition, one row per payout: what its balance transactions were made of — gross
-- (charges), fees, refunds and chargebacks (negative), other, net — in the payout currency, and
-- each converted to the reporting currency on the payout date (rounded once per payout and column).
-- Its own payout transaction is not part of the composition; a payout whose transactions were not
-- read yet shows zeros and transactions = 0.
CREATE OR REPLACE TABLE mart_payout_composition AS
WITH comp AS (
  SELECT payout_id,
         sum(CASE WHEN category = 'charge' THEN amount_minor ELSE 0 END) AS gross_minor,
         sum(fee_minor) AS fees_minor,
         sum(CASE WHEN category = 'refund' THEN amount_minor ELSE 0 END) AS refunds_minor,
         sum(CASE WHEN category = 'dispute' THEN amount_minor ELSE 0 END) AS chargebacks_minor,
         sum(CASE WHEN category = 'other' THEN amount_minor ELSE 0 END) AS other_minor,
         sum(net_minor) AS net_minor,
         count(*) AS transactions
  FROM fct_balance_transaction
  WHERE payout_id IS NOT NULL AND category <> 'payout'
  GROUP BY payout_id
),
p AS (
  SELECT f.payout_id, f.payout_date, f.month, f.status, f.currency AS payout_currency, f.amount_minor,
         CAST(coalesce(c.gross_minor, 0) AS BIGINT) AS gross_minor,
         CAST(coalesce(c.fees_minor, 0) AS BIGINT) AS fees_minor,
         CAST(coalesce(c.refunds_minor, 0) AS BIGINT) AS refunds_minor,
         CAST(coalesce(c.chargebacks_minor, 0) AS BIGINT) AS chargebacks_minor,
         CAST(coalesce(c.other_minor, 0) AS BIGINT) AS other_minor,
         CAST(coalesce(c.net_minor, 0) AS BIGINT) AS net_minor,
         CAST(coalesce(c.transactions, 0) AS BIGINT) AS transactions
  FROM fct_payout f
  LEFT JOIN comp c ON c.payout_id = f.payout_id
)
SELECT p.*,
       CAST(round(p.amount_minor * fx.to_report) AS BIGINT) AS amount_report_minor,
       CAST(round(p.gross_minor * fx.to_report) AS BIGINT) AS gross_report_minor,
       CAST(round(p.fees_minor * fx.to_report) AS BIGINT) AS fees_report_minor,
       CAST(round(p.refunds_minor * fx.to_report) AS BIGINT) AS refunds_report_minor,
       CAST(round(p.chargebacks_minor * fx.to_report) AS BIGINT) AS chargebacks_report_minor,
       CAST(round(p.net_minor * fx.to_report) AS BIGINT) AS net_report_minor
FROM p
LEFT JOIN dim_fx_day fx ON fx.currency = p.payout_currency AND fx.date = p.payout_date;
