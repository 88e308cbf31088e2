import { z } from 'zod';
import { currency, id, isoDate, minorUnits, properties, text } from '../app/crud/schema-kit';
import type { ResourceDef } from '../app/crud/resource';
import { indexOf, sortableTimestamps } from '../app/query/index-def';
import { invoiceIndex } from '../app/query/catalog';
import { companyResource } from './company.resource';
import { contactResource } from './contact.resource';

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
  index: {
    defaultSort: 'id',
    fields: {
      name: { type: 'text', sortable: true, required: true },
      pipeline: { type: 'text' },
      stage: { type: 'text', sortable: true, required: true },
      amount: { type: 'money', column: 'amount_minor', currency: 'currency' },
      amount_minor: { type: 'int', sortable: true },
      currency: { type: 'text' },
      close_date: { type: 'date', sortable: true },
      company_id: { type: 'int' },
      contact_id: { type: 'int' },
      list: { type: 'list' },
      ...sortableTimestamps('created_at', 'updated_at'),
    },
    associations: {
      company: { target: () => indexOf(companyResource), foreignKey: 'id', localKey: 'company_id' },
      contact: { target: () => indexOf(contactResource), foreignKey: 'id', localKey: 'contact_id' },
      invoices: { target: () => invoiceIndex, foreignKey: 'deal_id' },
    },
  },
  rules: (r) =>
    r.amount_minor != null && !r.currency
      ? [{ field: 'currency', message: 'is required with amount_minor' }]
      : [],
};
