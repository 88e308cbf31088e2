-- Sync status per connection × object: how many hub records are linked, pending or not linked.
CREATE OR REPLACE TABLE mart_sync_status AS
WITH hub AS (
  SELECT 'company' AS object, count(*) AS n FROM dim_customer
  UNION ALL SELECT 'product', count(*) FROM dim_product WHERE NOT archived
  UNION ALL SELECT 'invoice', count(*) FROM fct_invoice WHERE status <> 'draft'
  UNION ALL SELECT 'payment', count(*) FROM fct_payment WHERE is_success
),
links AS (
  SELECT connection_id, vendor, connection_name, object,
         sum(CASE WHEN state = 'linked' THEN 1 ELSE 0 END) AS linked,
         sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
         max(CASE WHEN state = 'linked' THEN updated_at END) AS last_linked_at
  FROM fct_sync_link
  GROUP BY connection_id, vendor, connection_name, object
)
SELECT l.connection_id, l.vendor, l.connection_name, l.object,
       CAST(h.n AS BIGINT) AS hub_records,
       CAST(l.linked AS BIGINT) AS linked,
       CAST(l.pending AS BIGINT) AS pending,
       CAST(CASE WHEN h.n IS NULL THEN NULL WHEN h.n > l.linked + l.pending THEN h.n - l.linked - l.pending ELSE 0 END AS BIGINT) AS not_linked,
       l.last_linked_at
FROM links l
LEFT JOIN hub h ON h.object = l.object;

-- Reconciliation hub ↔ vendor mirror for invoices and successful payments, per connection that
-- syncs the object: missing_link, missing_external, currency, amount or matched.
CREATE OR REPLACE TABLE mart_reconciliation AS
WITH hub AS (
  SELECT 'invoice' AS object, invoice_id AS local_id, total_minor AS amount_minor, currency FROM fct_invoice WHERE status <> 'draft'
  UNION ALL
  SELECT 'payment', payment_id, amount_minor, currency FROM fct_payment WHERE is_success
),
synced AS (SELECT DISTINCT connection_id, vendor, object FROM fct_sync_link)
SELECT s.connection_id, s.vendor, h.object, h.local_id, l.external_id,
       h.amount_minor AS hub_amount_minor, h.currency AS hub_currency,
       r.amount_minor AS external_amount_minor, r.currency AS external_currency,
       CASE WHEN l.local_id IS NULL OR l.state <> 'linked' THEN 'missing_link'
            WHEN r.external_id IS NULL THEN 'missing_external'
            WHEN r.currency IS NOT NULL AND r.currency <> h.currency THEN 'currency'
            WHEN r.amount_minor IS NOT NULL AND r.amount_minor <> h.amount_minor THEN 'amount'
            ELSE 'matched' END AS reason
FROM synced s
JOIN hub h ON h.object = s.object
LEFT JOIN fct_sync_link l ON l.connection_id = s.connection_id AND l.object = h.object AND l.local_id = h.local_id
LEFT JOIN fct_external_record r ON r.connection_id = s.connection_id AND r.external_id = l.external_id;
