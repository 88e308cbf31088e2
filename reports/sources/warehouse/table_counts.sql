-- Rows per warehouse fact table: a quick look at what the last load brought in.
SELECT 'invoices' AS fact, CAST(count(*) AS BIGINT) AS row_count FROM fct_invoice
UNION ALL SELECT 'invoice lines', CAST(count(*) AS BIGINT) FROM fct_invoice_line
UNION ALL SELECT 'payments', CAST(count(*) AS BIGINT) FROM fct_payment
UNION ALL SELECT 'refunds', CAST(count(*) AS BIGINT) FROM fct_refund
UNION ALL SELECT 'disputes', CAST(count(*) AS BIGINT) FROM fct_dispute
UNION ALL SELECT 'subscription periods', CAST(count(*) AS BIGINT) FROM fct_subscription_period
UNION ALL SELECT 'payouts', CAST(count(*) AS BIGINT) FROM fct_payout
UNION ALL SELECT 'balance transactions', CAST(count(*) AS BIGINT) FROM fct_balance_transaction
