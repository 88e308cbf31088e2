-- Data health checks over what the warehouse holds today (one row per check). Reconciliation
-- marts (hub vs Stripe vs ledger) do not exist yet; the page grows when they land.
SELECT 'currencies without exchange rates' AS check_name, 'data quality' AS area,
       CAST(count(*) AS BIGINT) AS value, count(*) = 0 AS ok
FROM dq_missing_fx
UNION ALL
SELECT 'payments not linked to an invoice', 'allocation', CAST(count(*) AS BIGINT), true
FROM fct_payment WHERE is_success AND invoice_id IS NULL
UNION ALL
SELECT 'revenue rows without a product (unallocated)', 'allocation', CAST(count(*) AS BIGINT), true
FROM mart_revenue_monthly WHERE product_id IS NULL
UNION ALL
SELECT 'open invoices past due', 'receivables', CAST(count(*) AS BIGINT), true
FROM fct_invoice, wh_settings s
WHERE status = 'open' AND amount_due_minor > 0 AND coalesce(due_date, issue_date) < s.as_of
UNION ALL
SELECT 'failed payment attempts', 'payments', CAST(count(*) AS BIGINT), true FROM fct_payment WHERE is_failure
UNION ALL
SELECT 'payouts loaded', 'payouts', CAST(count(*) AS BIGINT), true FROM fct_payout
