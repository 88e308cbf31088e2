import { z } from 'zod';
import { currency, id, minorUnits, optionalText, text } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';
import { sortableTimestamps } from '../app/query/index-def';

export const FREQUENCIES = [
  'one_time',
  'weekly',
  'biweekly',
  'monthly',
  'quarterly',
  'semiannual',
  'annual',
  'every_2_years',
  'every_3_years',
  'every_4_years',
  'every_5_years',
] as const;

const fields = {
  name: text(300),
  sku: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._\-/]+$/, 'may contain letters, digits and . _ - / only'),
  description: optionalText(5000),
  price_minor: minorUnits.min(0),
  currency,
  frequency: z.enum(FREQUENCIES).default('one_time'),
  tax_rate_id: id.nullable().optional(),
  income_account_key: optionalText(100),
  active: z.boolean().optional(),
};

export const productResource: ResourceDef = {
  object: 'product',
  path: 'products',
  table: 'products',
  create: z.strictObject(fields),
  update: z.strictObject({ ...fields, frequency: z.enum(FREQUENCIES) }).partial(),
  references: { tax_rate_id: 'tax_rates' },
  unique: ['sku'],
  index: {
    defaultSort: 'id',
    fields: {
      name: { type: 'text', sortable: true, required: true },
      sku: { type: 'text' },
      price: { type: 'money', column: 'price_minor', currency: 'currency' },
      price_minor: { type: 'int' },
      currency: { type: 'text' },
      frequency: { type: 'enum', values: FREQUENCIES },
      tax_rate_id: { type: 'int' },
      income_account_key: { type: 'text' },
      active: { type: 'bool' },
      ...sortableTimestamps('created_at'),
    },
  },
};
