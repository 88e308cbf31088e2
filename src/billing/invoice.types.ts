import { z } from 'zod';
import { currency, id, isoDate, minorUnits, optionalText } from '../app/crud/schema-kit';

export const TERMS = [
  'due_on_receipt',
  'net_7',
  'net_10',
  'net_15',
  'net_30',
  'net_45',
  'net_60',
  'net_90',
  'custom',
] as const;
export type Terms = (typeof TERMS)[number];
export const SOURCES = ['quote', 'subscription', 'payment_link', 'manual'] as const;
export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

const nonNegMinor = minorUnits.min(0, 'must not be negative');
const decimalText = (what: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .refine((v) => !v.startsWith('-'), `${what} must not be negative`)
    .refine((v) => /^\d{1,12}(\.\d{1,6})?$/.test(v), `${what} must be a decimal with at most 6 decimals`);

export const adjustment = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('percent'), value: decimalText('percent') }),
  z.strictObject({ type: z.literal('amount'), value: nonNegMinor }),
]);

export const lineInput = z.strictObject({
  product_id: id.nullable().optional(),
  description: z.string().trim().max(2000).nullable().optional(),
  quantity: decimalText('quantity').default('1'),
  /** Defaults to the product's price when a product is given. */
  unit_price_minor: nonNegMinor.optional(),
  /** Defaults to the document currency; a different one is refused. */
  currency: currency.optional(),
  discount: adjustment.nullable().optional(),
  fees_minor: nonNegMinor.optional(),
  /** Defaults to the product's tax rate. */
  tax_rate_ids: z.array(id).max(5).optional(),
  service_start: isoDate.nullable().optional(),
  service_end: isoDate.nullable().optional(),
});
export type LineBody = z.output<typeof lineInput>;

const invoiceFields = {
  company_id: id.nullable().optional(),
  contact_id: id.nullable().optional(),
  deal_id: id.nullable().optional(),
  terms: z.enum(TERMS).optional(),
  issue_date: isoDate.nullable().optional(),
  /** Required with terms 'custom'; otherwise derived from the terms when the invoice is finalised. */
  due_date: isoDate.nullable().optional(),
  memo: optionalText(5000),
  discount: adjustment.nullable().optional(),
  fees_minor: nonNegMinor.optional(),
  template_id: id.nullable().optional(),
  lines: z.array(lineInput).max(500).optional(),
};

export const createInvoice = z.strictObject({
  currency,
  source: z.enum(SOURCES).default('manual'),
  source_id: id.nullable().optional(),
  number_prefix: z
    .string()
    .regex(/^[A-Z0-9-]{1,12}$/, 'must be 1–12 upper-case letters, digits or dashes')
    .optional(),
  ...invoiceFields,
});
export type CreateInvoice = z.output<typeof createInvoice>;

export const updateInvoice = z.strictObject(invoiceFields);
export type UpdateInvoice = z.output<typeof updateInvoice>;

export const finalizeInvoice = z
  .strictObject({ issue_date: isoDate.optional(), send: z.boolean().default(false) })
  .nullish()
  .transform((v) => v ?? { send: false });

export const markPaid = z.strictObject({
  /** Defaults to the amount due. */
  amount_minor: minorUnits.positive('must be positive').optional(),
  method: z.enum(['manual', 'other']).default('manual'),
  /** e.g. cash, cheque, bank_transfer. */
  detail: z.string().trim().min(1).max(100).optional(),
  paid_on: isoDate.optional(),
  reference: z.string().trim().max(200).optional(),
});
export type MarkPaid = z.output<typeof markPaid>;

export const voidInvoice = z.strictObject({ reason: z.string().trim().min(1).max(1000) });
export const uncollectible = z
  .strictObject({ reason: z.string().trim().max(1000).optional() })
  .nullish()
  .transform((v) => v ?? {});

export const creditNote = z.strictObject({
  amount_minor: minorUnits.positive('must be positive'),
  reason: z.string().trim().min(1).max(1000),
  payment_id: id.optional(),
});

/** Days added to the issue date by each net term. */
export const TERM_DAYS: Record<Terms, number | null> = {
  due_on_receipt: 0,
  net_7: 7,
  net_10: 10,
  net_15: 15,
  net_30: 30,
  net_45: 45,
  net_60: 60,
  net_90: 90,
  custom: null,
};

export function addDays(isoDay: string, days: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today in the organisation's time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}
