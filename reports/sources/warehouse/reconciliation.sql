-- mart_reconciliation summarised per connection × object × outcome (counts; amounts stay in the
-- API, in document currency). Placeholder row as in sync_status.sql.
SELECT connection_id, vendor, object, reason, CAST(count(*) AS BIGINT) AS records
FROM mart_reconciliation
GROUP BY connection_id, vendor, object, reason
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL
