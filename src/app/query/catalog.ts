import { sortableTimestamps, tableIndex } from './index-def';
import type { FieldSpec } from './filter.types';

/**
 * Index definitions for tables that exist in the schema but have no CRUD resource yet. They serve
 * as targets of association criteria ("contacts with a succeeded payment in the last 30 days").
 * When payments/invoices/subscriptions get their ResourceDef, move these into its `index`.
 */
const PAYMENT_STATUSES = [
  'pending',
  'processing',
  'succeeded',
  'failed',
  'canceled',
  'refunded',
  'partially_refunded',
  'disputed',
] as const;
const ref: FieldSpec = { type: 'int' };

export const paymentIndex = tableIndex(
  'payment',
  'payments',
  {
    fields: {
      amount: { type: 'money', column: 'amount_minor', currency: 'currency' },
      amount_minor: { type: 'int' },
      fee: { type: 'money', column: 'fee_minor', currency: 'currency' },
      currency: { type: 'text' },
      method: { type: 'enum', values: ['card', 'ach', 'manual', 'other'] },
      status: { type: 'enum', values: PAYMENT_STATUSES },
      paid_at: { type: 'timestamp' },
      processor: { type: 'text' },
      reference: { type: 'text' },
      company_id: ref,
      contact_id: ref,
      invoice_id: ref,
      subscription_id: ref,
    },
  },
  [
    'company_id',
    'contact_id',
    'invoice_id',
    'subscription_id',
    'amount_minor',
    'currency',
    'method',
    'status',
    'processor',
    'processor_id',
    'fee_minor',
    'net_minor',
    'paid_at',
    'reference',
  ],
);

export const invoiceIndex = tableIndex(
  'invoice',
  'invoices',
  {
    defaultSort: 'id',
    fields: {
      ...sortableTimestamps('created_at'),
      number: { type: 'text', sortable: true },
      status: { type: 'enum', values: ['draft', 'open', 'paid', 'void', 'uncollectible'] },
      currency: { type: 'text' },
      total: { type: 'money', column: 'total_minor', currency: 'currency' },
      amount_due: { type: 'money', column: 'amount_due_minor', currency: 'currency' },
      total_minor: { type: 'int' },
      amount_due_minor: { type: 'int', sortable: true },
      issue_date: { type: 'date', sortable: true },
      due_date: { type: 'date', sortable: true },
      overdue_since: { type: 'date' },
      source: { type: 'enum', values: ['quote', 'subscription', 'payment_link', 'manual'] },
      company_id: ref,
      contact_id: ref,
      deal_id: ref,
    },
  },
  // Every document column except public_token (the pay page's secret, on the single record only).
  [
    'number',
    'status',
    'currency',
    'company_id',
    'contact_id',
    'deal_id',
    'terms',
    'issue_date',
    'due_date',
    'source',
    'source_id',
    'subtotal_minor',
    'discount_minor',
    'tax_minor',
    'total_minor',
    'amount_paid_minor',
    'amount_due_minor',
    'memo',
    'number_prefix',
    'document_discount_type',
    'document_discount_value',
    'document_fees_minor',
    'fees_minor',
    'net_minor',
    'amount_credited_minor',
    'tax_summary',
    'rounding_mode',
    'rounding_level',
    'template_id',
    'finalized_at',
    'sent_at',
    'paid_at',
    'voided_at',
    'void_reason',
    'uncollectible_at',
    'overdue_since',
  ],
);

export const subscriptionIndex = tableIndex(
  'subscription',
  'subscriptions',
  {
    fields: {
      status: { type: 'enum', values: ['scheduled', 'active', 'past_due', 'paused', 'canceled', 'ended'] },
      frequency: { type: 'text' },
      currency: { type: 'text' },
      start_date: { type: 'date' },
      next_bill_date: { type: 'date' },
      end_date: { type: 'date' },
      collection: { type: 'enum', values: ['auto_charge', 'send_invoice'] },
      company_id: ref,
      contact_id: ref,
    },
  },
  [
    'company_id',
    'contact_id',
    'status',
    'frequency',
    'currency',
    'start_date',
    'next_bill_date',
    'end_date',
    'collection',
    'canceled_at',
  ],
);
