-- Staging: one view per source, renamed and filtered (archived rows excluded, customers resolved).
-- DuckDB-flavoured is fine here; marts (40_*) stay portable SQL.
-- Business dates are a timestamp's date in the org time zone (the session TimeZone). In UTC
-- that date is read straight from the epoch: the ICU time-zone cast costs several times more per
-- value. The CASE on the setting is folded when the view is bound, so only one branch runs.
CREATE OR REPLACE VIEW stg_companies AS
SELECT id AS company_id, name, industry, upper(country) AS country, lifecycle_stage,
       annual_revenue_minor, upper(currency) AS currency, created_at
FROM raw_companies
WHERE archived_at IS NULL;

CREATE OR REPLACE VIEW stg_contacts AS
SELECT id AS contact_id, company_id, upper(country) AS country
FROM raw_contacts;

CREATE OR REPLACE VIEW stg_products AS
SELECT id AS product_id, name, sku, frequency, upper(currency) AS currency, price_minor, active,
       archived_at IS NOT NULL AS archived
FROM raw_products;

-- The customer of a document is its company, else the company of its contact.
CREATE OR REPLACE VIEW stg_invoices AS
SELECT i.id AS invoice_id, i.number, i.status, upper(i.currency) AS currency,
       coalesce(i.company_id, c.company_id) AS customer_id, i.issue_date, i.due_date,
       i.source, i.source_id, i.total_minor, i.tax_minor, i.amount_paid_minor, i.amount_due_minor
FROM raw_invoices i
LEFT JOIN raw_contacts c ON c.id = i.contact_id
WHERE i.archived_at IS NULL;

CREATE OR REPLACE VIEW stg_invoice_lines AS
SELECT id AS line_id, owner_id AS invoice_id, position, product_id, quantity, unit_price_minor,
       upper(currency) AS currency, amount_minor, tax_minor, service_start, service_end
FROM raw_line_items
WHERE owner_type = 'invoice' AND archived_at IS NULL;

CREATE OR REPLACE VIEW stg_subscriptions AS
SELECT s.id AS subscription_id, coalesce(s.company_id, c.company_id) AS customer_id, s.status,
       s.frequency, upper(s.currency) AS currency, s.start_date,
       -- The subscription stops counting on its end date, else on the day it was canceled.
       coalesce(s.end_date, CASE WHEN s.status IN ('canceled', 'ended') THEN
         CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
              THEN CAST(make_timestamp(epoch_us(s.canceled_at)) AS DATE) ELSE CAST(s.canceled_at AS DATE) END
       END) AS stop_date
FROM raw_subscriptions s
LEFT JOIN raw_contacts c ON c.id = s.contact_id
WHERE s.archived_at IS NULL;

-- A subscription's items: service_start/service_end bound when each item (plan) applies, so an
-- upgrade is "end the old item, start the new one" and history survives.
CREATE OR REPLACE VIEW stg_subscription_items AS
SELECT id AS line_id, owner_id AS subscription_id, product_id, quantity, upper(currency) AS currency,
       amount_minor, service_start, service_end
FROM raw_line_items
WHERE owner_type = 'subscription' AND archived_at IS NULL;

-- The customer is the payment's company, else its contact's, else its invoice's company. Only
-- payments without a company look the others up: joining every payment hashed every invoice.
CREATE OR REPLACE VIEW stg_payments AS
WITH resolved AS (
  SELECT p.*, p.company_id AS customer_id
  FROM raw_payments p
  WHERE p.archived_at IS NULL AND p.company_id IS NOT NULL
  UNION ALL
  SELECT p.*, coalesce(c.company_id, i.company_id)
  FROM raw_payments p
  LEFT JOIN raw_contacts c ON c.id = p.contact_id
  LEFT JOIN raw_invoices i ON i.id = p.invoice_id
  WHERE p.archived_at IS NULL AND p.company_id IS NULL
)
SELECT id AS payment_id, invoice_id, subscription_id, customer_id, contact_id,
       amount_minor, upper(currency) AS currency, method, status, processor,
       fee_minor, coalesce(net_minor, amount_minor - fee_minor) AS net_minor,
       CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
            THEN CAST(make_timestamp(epoch_us(created_at)) AS DATE) ELSE CAST(created_at AS DATE) END AS created_date,
       CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
            THEN CAST(make_timestamp(epoch_us(paid_at)) AS DATE) ELSE CAST(paid_at AS DATE) END AS paid_date,
       CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
            THEN CAST(make_timestamp(epoch_us(updated_at)) AS DATE) ELSE CAST(updated_at AS DATE) END AS updated_date
FROM resolved;

-- Refunds from the refunds table (partial and full; every status — facts keep the status and only
-- succeeded refunds count as money returned). Invoice and customer come from the refunded payment.
CREATE OR REPLACE VIEW stg_refunds AS
SELECT r.id AS refund_id, r.payment_id, p.invoice_id, p.customer_id, upper(r.currency) AS currency,
       r.amount_minor,
       CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
            THEN CAST(make_timestamp(epoch_us(r.refunded_at)) AS DATE) ELSE CAST(r.refunded_at AS DATE) END AS refund_date,
       r.status, r.reason, r.payout_id
FROM raw_refunds r
LEFT JOIN stg_payments p ON p.payment_id = r.payment_id
WHERE r.archived_at IS NULL;

CREATE OR REPLACE VIEW stg_disputes AS
SELECT d.id AS dispute_id, d.payment_id, p.invoice_id, p.customer_id, upper(d.currency) AS currency,
       d.amount_minor, d.fee_minor,
       CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
            THEN CAST(make_timestamp(epoch_us(d.opened_at)) AS DATE) ELSE CAST(d.opened_at AS DATE) END AS opened_date,
       d.status, d.reason
FROM raw_disputes d
LEFT JOIN stg_payments p ON p.payment_id = d.payment_id
WHERE d.archived_at IS NULL;

-- A payout's date is its arrival day (the day the money lands), else the day it was initiated.
CREATE OR REPLACE VIEW stg_payouts AS
SELECT id AS payout_id, processor, processor_id, upper(currency) AS currency, amount_minor, status,
       initiated_date, arrival_date, coalesce(arrival_date, initiated_date) AS payout_date
FROM (SELECT *, CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
                     THEN CAST(make_timestamp(epoch_us(initiated_at)) AS DATE) ELSE CAST(initiated_at AS DATE) END AS initiated_date
      FROM raw_payouts) AS p
WHERE archived_at IS NULL;

-- Balance transactions: signed amounts (charges +, refunds/disputes/payouts −), fee ≥ 0, net = amount − fee.
CREATE OR REPLACE VIEW stg_balance_transactions AS
SELECT id AS balance_transaction_id, payout_id, payment_id, refund_id, dispute_id, type, category,
       upper(currency) AS currency, amount_minor, fee_minor, net_minor,
       CASE WHEN current_setting('TimeZone') IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
            THEN CAST(make_timestamp(epoch_us(occurred_at)) AS DATE) ELSE CAST(occurred_at AS DATE) END AS created_date,
       available_on
FROM raw_balance_transactions;

CREATE OR REPLACE VIEW stg_fx_rates AS
SELECT upper(currency) AS currency, rate_date, CAST(rate AS DOUBLE) AS rate
FROM raw_fx_rates
WHERE archived_at IS NULL
UNION ALL
SELECT 'USD', DATE '1900-01-01', 1.0;
