-- mart_sync_status (per connection × object: hub records, linked, pending, not linked). A
-- placeholder row (connection_id NULL, dropped by the page) keeps the source non-empty before any
-- connection syncs: Evidence writes no data file for an empty source.
SELECT connection_id, vendor, connection_name, object, hub_records, linked, pending, not_linked,
       CAST(last_linked_at AS TIMESTAMP) AS last_linked_at
FROM mart_sync_status
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
