-- Revenue by month × product × customer segment, in the reporting currency.
-- billed: invoice lines (excluding tax) of open/paid/uncollectible invoices, by issue month;
-- collected / refunded: allocated money by event month; net = collected − refunded.
CREATE OR REPLACE TABLE mart_revenue_monthly AS
WITH parts AS (
  SELECT month, product_id, customer_id, amount_report_minor AS billed, 0 AS collected, 0 AS refunded
  FROM fct_invoice_line WHERE counts_as_billed
  UNION ALL
  SELECT month, product_id, customer_id, 0, amount_report_minor, 0 FROM fct_collection_line WHERE kind = 'collected'
  UNION ALL
  SELECT month, product_id, customer_id, 0, 0, amount_report_minor FROM fct_collection_line WHERE kind = 'refunded'
)
SELECT p.month, p.product_id, coalesce(c.segment, 'unknown') AS segment,
       CAST(sum(p.billed) AS BIGINT) AS billed_minor,
       CAST(sum(p.collected) AS BIGINT) AS collected_minor,
       CAST(sum(p.refunded) AS BIGINT) AS refunded_minor,
       CAST(sum(p.collected) - sum(p.refunded) AS BIGINT) AS net_minor
FROM parts p
LEFT JOIN dim_customer c ON c.customer_id = p.customer_id
GROUP BY p.month, p.product_id, coalesce(c.segment, 'unknown');
