-- Payment segmentation: method × country × size band × new/returning per month.
CREATE OR REPLACE TABLE mart_payment_segments AS
SELECT month, method, country, size_band, customer_type,
       CAST(count(*) AS BIGINT) AS attempts,
       CAST(sum(CASE WHEN is_success THEN 1 ELSE 0 END) AS BIGINT) AS succeeded,
       CAST(sum(CASE WHEN is_failure THEN 1 ELSE 0 END) AS BIGINT) AS failed,
       CAST(sum(CASE WHEN is_success THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / count(*) AS success_rate,
       CAST(sum(CASE WHEN is_failure THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / count(*) AS failure_rate,
       CAST(sum(CASE WHEN is_success THEN amount_report_minor ELSE 0 END) AS BIGINT) AS volume_minor,
       CAST(sum(CASE WHEN is_success THEN fee_report_minor ELSE 0 END) AS BIGINT) AS fees_minor,
       CASE WHEN sum(CASE WHEN is_success THEN amount_report_minor ELSE 0 END) > 0
            THEN 100.0 * sum(CASE WHEN is_success THEN fee_report_minor ELSE 0 END)
                 / sum(CASE WHEN is_success THEN amount_report_minor ELSE 0 END)
       END AS fee_pct
FROM fct_payment
WHERE is_success OR is_failure
GROUP BY month, method, country, size_band, customer_type;
