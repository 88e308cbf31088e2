import { z } from 'zod';
import { id, optionalText, properties } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';
import { indexOf, sortableTimestamps } from '../app/query/index-def';
import { invoiceIndex, paymentIndex, subscriptionIndex } from '../app/query/catalog';
import { companyResource } from './company.resource';
import { dealResource } from './deal.resource';

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
  derived: { company_industry: { via: 'company_id', column: 'industry' } },
  json: ['properties'],
  index: {
    defaultSort: 'id',
    extraColumns: ['company_industry'],
    fields: {
      first_name: { type: 'text' },
      last_name: { type: 'text', sortable: true },
      email: { type: 'text', sortable: true },
      phone: { type: 'text' },
      job_title: { type: 'text' },
      country: { type: 'text' },
      lifecycle_stage: { type: 'text' },
      company_id: { type: 'int' },
      // Denormalised from companies.industry by a trigger (migrations/0003_query.ts).
      company_industry: { type: 'text' },
      list: { type: 'list' },
      ...sortableTimestamps('created_at'),
    },
    associations: {
      company: { target: () => indexOf(companyResource), foreignKey: 'id', localKey: 'company_id' },
      payments: { target: () => paymentIndex, foreignKey: 'contact_id' },
      invoices: { target: () => invoiceIndex, foreignKey: 'contact_id' },
      subscriptions: { target: () => subscriptionIndex, foreignKey: 'contact_id' },
      deals: { target: () => indexOf(dealResource), foreignKey: 'contact_id' },
    },
  },
  rules: (r) =>
    !r.first_name && !r.last_name && !r.email
      ? [{ field: 'email', message: 'a contact needs an email, a first name or a last name' }]
      : [],
};
