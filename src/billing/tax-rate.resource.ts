import { z } from 'zod';
import { optionalText, text } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';

/** A percentage as an exact decimal: '9.975' means 9.975 %. Numbers are accepted and kept exact. */
const rate = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine(
    (v) => /^\d{1,3}(\.\d{1,6})?$/.test(v),
    'must be a percentage with at most 6 decimals, e.g. "9.975"',
  )
  .refine((v) => Number(v) <= 100, 'must be at most 100');

const fields = {
  name: text(200),
  code: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9._-]+$/, 'may contain letters, digits and . _ - only'),
  rate,
  inclusive: z.boolean().optional(),
  compound: z.boolean().optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .nullable()
    .optional(),
  region: optionalText(100),
  description: optionalText(1000),
};

export const taxRateResource: ResourceDef = {
  object: 'tax_rate',
  path: 'tax-rates',
  table: 'tax_rates',
  create: z.strictObject(fields),
  update: z.strictObject(fields).partial(),
  unique: ['code'],
  decimal: ['rate'],
  index: {
    defaultSort: 'id',
    fields: {
      name: { type: 'text' },
      code: { type: 'text', sortable: true, required: true },
      rate: { type: 'decimal' },
      inclusive: { type: 'bool' },
      compound: { type: 'bool' },
      country: { type: 'text' },
      region: { type: 'text' },
    },
  },
};
