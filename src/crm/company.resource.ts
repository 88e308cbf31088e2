import { z } from 'zod';
import { currency, minorUnits, optionalText, properties, text } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';
import { indexOf, sortableTimestamps } from '../app/query/index-def';
import { invoiceIndex, paymentIndex, subscriptionIndex } from '../app/query/catalog';
import { contactResource } from './contact.resource';
import { dealResource } from './deal.resource';

const fields = {
  name: text(300),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a domain such as example.com')
    .nullable()
    .optional(),
  industry: optionalText(100),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .nullable()
    .optional(),
  city: optionalText(200),
  phone: optionalText(50),
  lifecycle_stage: optionalText(50),
  annual_revenue_minor: minorUnits.min(0).nullable().optional(),
  currency: currency.nullable().optional(),
  properties: properties.optional(),
};

export const companyResource: ResourceDef = {
  object: 'company',
  path: 'companies',
  table: 'companies',
  create: z.strictObject(fields),
  update: z.strictObject(fields).partial(),
  json: ['properties'],
  index: {
    defaultSort: 'id',
    fields: {
      name: { type: 'text', sortable: true, required: true },
      domain: { type: 'text' },
      industry: { type: 'text', sortable: true },
      country: { type: 'text', sortable: true },
      city: { type: 'text' },
      phone: { type: 'text' },
      lifecycle_stage: { type: 'text' },
      annual_revenue: { type: 'money', column: 'annual_revenue_minor', currency: 'currency' },
      annual_revenue_minor: { type: 'int' },
      currency: { type: 'text' },
      list: { type: 'list' },
      ...sortableTimestamps('created_at', 'updated_at'),
    },
    associations: {
      contacts: { target: () => indexOf(contactResource), foreignKey: 'company_id' },
      deals: { target: () => indexOf(dealResource), foreignKey: 'company_id' },
      invoices: { target: () => invoiceIndex, foreignKey: 'company_id' },
      payments: { target: () => paymentIndex, foreignKey: 'company_id' },
      subscriptions: { target: () => subscriptionIndex, foreignKey: 'company_id' },
    },
  },
  rules: (r) =>
    r.annual_revenue_minor != null && !r.currency
      ? [{ field: 'currency', message: 'is required with annual_revenue_minor' }]
      : [],
};
