-- Invoices by status and issue month (counts only; no money, so no conversion).
SELECT month, status, CAST(count(*) AS BIGINT) AS invoices FROM fct_invoice GROUP BY month, status
