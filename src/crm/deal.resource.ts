import { z } from 'zod';
import { currency, id, isoDate, minorUnits, properties, text } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';

const fields = {
  name: text(300),
  pipeline: text(100).optional(),
  stage: text(100),
  amount_minor: minorUnits.min(0).nullable().optional(),
  currency: currency.nullable().optional(),
  close_date: isoDate.nullable().optional(),
  company_id: id.nullable().optional(),
  contact_id: id.nullable().optional(),
  properties: properties.optional(),
};

export const dealResource: ResourceDef = {
  object: 'deal',
  path: 'deals',
  table: 'deals',
  create: z.strictObject(fields),
  update: z.strictObject(fields).partial(),
  references: { company_id: 'companies', contact_id: 'contacts' },
  json: ['properties'],
  rules: (r) =>
    r.amount_minor != null && !r.currency
      ? [{ field: 'currency', message: 'is required with amount_minor' }]
      : [],
};
