import { z } from 'zod';
import { id, optionalText, properties } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';

const fields = {
  first_name: optionalText(200),
  last_name: optionalText(200),
  email: z.email('must be an email address').max(320).toLowerCase().nullable().optional(),
  phone: optionalText(50),
  job_title: optionalText(200),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .nullable()
    .optional(),
  lifecycle_stage: optionalText(50),
  company_id: id.nullable().optional(),
  properties: properties.optional(),
};

export const contactResource: ResourceDef = {
  object: 'contact',
  path: 'contacts',
  table: 'contacts',
  create: z.strictObject(fields),
  update: z.strictObject(fields).partial(),
  references: { company_id: 'companies' },
  json: ['properties'],
  rules: (r) =>
    !r.first_name && !r.last_name && !r.email
      ? [{ field: 'email', message: 'a contact needs an email, a first name or a last name' }]
      : [],
};
