import { z } from 'zod';

export const TEMPLATE_KINDS = ['invoice', 'receipt', 'email', 'quote'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c');
/** Logos are stored inline (PNG or JPEG data URI, ≤ 256 kB) so rendering never fetches a URL. */
const logo = z
  .string()
  .max(350_000, 'must be at most 256 kB')
  .regex(/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/, 'must be a PNG or JPEG data URI');

export const theme = z.strictObject({
  logo: logo.nullable().optional(),
  primary_color: color.optional(),
  accent_color: color.optional(),
  /** DejaVu families: they render accented Latin, Greek, Cyrillic and symbols like ¥ and €. */
  font: z.enum(['sans', 'serif', 'mono']).optional(),
  footer: z.string().max(1000).optional(),
  terms_text: z.string().max(5000).optional(),
});
export type Theme = z.output<typeof theme>;

const section = z.string().max(5000);
export const EMAIL_KINDS = [
  'invoice_sent',
  'reminder',
  'overdue',
  'paid',
  'receipt',
  'refund_receipt',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export const sectionsByKind: Record<TemplateKind, z.ZodType> = {
  invoice: z.strictObject({
    title: section.optional(),
    intro: section.optional(),
    notes: section.optional(),
    payment_instructions: section.optional(),
  }),
  quote: z.strictObject({ title: section.optional(), intro: section.optional(), notes: section.optional() }),
  receipt: z.strictObject({
    title: section.optional(),
    intro: section.optional(),
    notes: section.optional(),
  }),
  email: z.strictObject(
    Object.fromEntries(
      EMAIL_KINDS.map((k) => [k, z.strictObject({ subject: z.string().max(300), body: section }).optional()]),
    ),
  ),
};

export const createTemplate = z.strictObject({
  kind: z.enum(TEMPLATE_KINDS),
  name: z.string().trim().min(1).max(200),
  is_default: z.boolean().optional(),
  theme: theme.optional(),
  sections: z.record(z.string(), z.unknown()).optional(),
});
export const updateTemplate = createTemplate.omit({ kind: true }).partial();

export interface TemplateModel {
  id: number | null;
  kind: TemplateKind;
  theme: Theme;
  sections: Record<string, any>;
}

export const DEFAULT_THEME: Required<Omit<Theme, 'logo'>> & { logo: string | null } = {
  logo: null,
  primary_color: '#1f3a5f',
  accent_color: '#e8eef5',
  font: 'sans',
  footer: '',
  terms_text: '',
};

/** Built-in texts; {{placeholders}} are filled from the invoice or receipt. */
export const DEFAULT_SECTIONS: Record<TemplateKind, Record<string, any>> = {
  invoice: {
    title: 'Invoice',
    intro: '',
    notes: '',
    payment_instructions: 'Pay online: {{pay_url}}',
  },
  quote: { title: 'Quote', intro: '', notes: '' },
  receipt: { title: 'Receipt', intro: 'Thank you for your payment.', notes: '' },
  email: {
    invoice_sent: {
      subject: 'Invoice {{invoice_number}} from {{organisation}}',
      body: 'Hello {{customer_name}},\n\nInvoice {{invoice_number}} for {{total}} is due on {{due_date}}.\n\nPay online: {{pay_url}}\n\n{{organisation}}',
    },
    reminder: {
      subject: 'Reminder: invoice {{invoice_number}} is due on {{due_date}}',
      body: 'Hello {{customer_name}},\n\nA reminder that {{amount_due}} on invoice {{invoice_number}} is due on {{due_date}}.\n\nPay online: {{pay_url}}',
    },
    overdue: {
      subject: 'Invoice {{invoice_number}} is overdue',
      body: 'Hello {{customer_name}},\n\nInvoice {{invoice_number}} was due on {{due_date}}; {{amount_due}} is still outstanding.\n\nPay online: {{pay_url}}',
    },
    paid: {
      subject: 'Invoice {{invoice_number}} is paid',
      body: 'Hello {{customer_name}},\n\nInvoice {{invoice_number}} ({{total}}) is paid in full. Thank you.',
    },
    receipt: {
      subject: 'Receipt {{receipt_number}} for your payment of {{amount}}',
      body: 'Hello {{customer_name}},\n\nWe received {{amount}} for invoice {{invoice_number}}. Your receipt {{receipt_number}} is attached.',
    },
    refund_receipt: {
      subject: 'Refund receipt {{receipt_number}}: {{amount}}',
      body: 'Hello {{customer_name}},\n\nWe refunded {{amount}} on invoice {{invoice_number}} (credit note {{credit_note_number}}). Your receipt {{receipt_number}} is attached.',
    },
  },
};

/** Fills {{name}} placeholders; unknown names become empty so a typo never leaks braces to customers. */
export function fill(text: string, vars: Record<string, string | number | null | undefined>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, k: string) => String(vars[k] ?? ''));
}
