import { z } from 'zod';
import { currency, id, isoDate, minorUnits } from '../app/crud/schema-kit';
import { paymentIndex } from '../app/query/catalog';
import { tableIndex } from '../app/query/index-def';
import type { FieldSpec } from '../app/query/filter.types';

/** A payment collected outside a processor (cash, cheque, bank transfer…). */
export const manualPayment = z.strictObject({
  amount_minor: minorUnits.positive('must be positive'),
  currency,
  method: z.enum(['manual', 'other']).default('manual'),
  /** e.g. cash, cheque, bank_transfer */
  detail: z.string().trim().min(1).max(100).optional(),
  paid_on: isoDate,
  contact_id: id.optional(),
  company_id: id.optional(),
  subscription_id: id.optional(),
  reference: z.string().trim().max(200).optional(),
  description: z.string().trim().max(1000).optional(),
});
export type ManualPayment = z.output<typeof manualPayment>;

export const createRefund = z.strictObject({
  /** Omit for the whole refundable amount. */
  amount_minor: minorUnits.positive('must be positive').optional(),
  /** When given, must be the payment's currency (a guard against refunding the wrong money). */
  currency: currency.optional(),
  reason: z.string().trim().min(1).max(500).optional(),
});
export type CreateRefund = z.output<typeof createRefund>;

export const pullBody = z.strictObject({ connection_id: id });
export const summaryBody = z.strictObject({ date: isoDate.optional(), to: z.email().optional() });

const ref: FieldSpec = { type: 'int' };
const sorted = (s: FieldSpec): FieldSpec => ({ ...s, sortable: true });

/** Payments index: the catalog's fields (lists use them) plus sorting by date and amount. */
export const paymentsIndex = tableIndex(
  'payment',
  'payments',
  {
    fields: {
      ...Object.fromEntries(
        Object.entries(paymentIndex.fields).filter(([k]) => !['id', 'created_at', 'updated_at'].includes(k)),
      ),
      paid_at: sorted({ type: 'timestamp' }),
      amount_minor: sorted({ type: 'int', required: true }),
      payout_id: ref,
      amount_refunded: { type: 'money', column: 'amount_refunded_minor', currency: 'currency' },
      net: { type: 'money', column: 'net_minor', currency: 'currency' },
    },
    defaultSort: '-paid_at',
  },
  paymentIndex.columns
    .filter((c) => !['id', 'version', 'created_at', 'updated_at', 'archived_at'].includes(c))
    .concat([
      'method_detail',
      'amount_refunded_minor',
      'amount_disputed_minor',
      'processor_intent_id',
      'customer_external_id',
      'description',
      'failure_code',
      'failure_message',
      'payout_id',
      'connection_id',
      'metadata',
    ]),
);

export const refundsIndex = tableIndex(
  'refund',
  'refunds',
  {
    fields: {
      amount: { type: 'money', column: 'amount_minor', currency: 'currency' },
      currency: { type: 'text' },
      status: { type: 'enum', values: ['pending', 'succeeded', 'failed', 'canceled'] },
      refunded_at: sorted({ type: 'timestamp', required: true }),
      payment_id: ref,
      payout_id: ref,
      processor: { type: 'text' },
    },
    defaultSort: '-refunded_at',
  },
  [
    'payment_id',
    'connection_id',
    'amount_minor',
    'currency',
    'status',
    'reason',
    'processor',
    'processor_id',
    'payout_id',
    'refunded_at',
  ],
);

export const disputesIndex = tableIndex(
  'dispute',
  'disputes',
  {
    fields: {
      amount: { type: 'money', column: 'amount_minor', currency: 'currency' },
      currency: { type: 'text' },
      status: { type: 'text' },
      reason: { type: 'text' },
      opened_at: sorted({ type: 'timestamp', required: true }),
      evidence_due_by: { type: 'timestamp' },
      payment_id: ref,
    },
    defaultSort: '-opened_at',
  },
  [
    'payment_id',
    'connection_id',
    'amount_minor',
    'currency',
    'status',
    'reason',
    'processor',
    'processor_id',
    'fee_minor',
    'opened_at',
    'evidence_due_by',
  ],
);

export const payoutsIndex = tableIndex(
  'payout',
  'payouts',
  {
    fields: {
      amount: { type: 'money', column: 'amount_minor', currency: 'currency' },
      currency: { type: 'text' },
      status: { type: 'text' },
      arrival_date: { type: 'date' },
      initiated_at: sorted({ type: 'timestamp', required: true }),
    },
    defaultSort: '-initiated_at',
  },
  [
    'connection_id',
    'processor',
    'processor_id',
    'amount_minor',
    'currency',
    'status',
    'arrival_date',
    'initiated_at',
    'gross_minor',
    'fees_minor',
    'refunds_minor',
    'chargebacks_minor',
    'other_minor',
    'net_minor',
  ],
);
