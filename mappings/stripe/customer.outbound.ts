import type { MappingInput } from '../mapping.schema';

/**
 * Contacts and companies → Stripe customers. Every customer carries our reference in metadata
 * (`ledgerline_id`, `ledgerline_object`) so a crash between the call and the link commit can be
 * healed by looking it up. Archiving sets `metadata.ledgerline_archived` (see stripe.connector.ts
 * for why we never delete Stripe customers). Limits follow Stripe: name/description ≤ 256,
 * email ≤ 512, phone ≤ 20, metadata values ≤ 500.
 */
export const contactToCustomer: MappingInput = {
  vendor: 'stripe',
  object: 'contact',
  target: 'customer',
  direction: 'outbound',
  version: 1,
  fields: [
    { to: 'name', from: ['first_name', 'last_name'], transform: 'join', maxLength: 256 },
    { to: 'email', from: 'email', transform: 'lowercase', maxLength: 512, pattern: '^[^@\\s]+@[^@\\s]+$' },
    { to: 'phone', from: 'phone', maxLength: 20 },
    { to: 'description', from: 'job_title', maxLength: 256 },
    { to: 'address.country', from: 'country', transform: 'uppercase', pattern: '^[A-Z]{2}$' },
    { to: 'metadata.ledgerline_id', from: '$id', transform: 'ref', required: true },
    { to: 'metadata.ledgerline_object', transform: 'constant', args: { value: 'contact' }, required: true },
    { to: 'metadata.ledgerline_company_id', from: 'company_id', transform: 'ref' },
    { to: 'metadata.ledgerline_archived', from: 'archived_at', transform: 'flag', args: { value: 'true' } },
  ],
};

export const companyToCustomer: MappingInput = {
  vendor: 'stripe',
  object: 'company',
  target: 'customer',
  direction: 'outbound',
  version: 1,
  fields: [
    { to: 'name', from: 'name', required: true, maxLength: 256 },
    { to: 'phone', from: 'phone', maxLength: 20 },
    { to: 'address.city', from: 'city', maxLength: 200 },
    { to: 'address.country', from: 'country', transform: 'uppercase', pattern: '^[A-Z]{2}$' },
    { to: 'metadata.ledgerline_id', from: '$id', transform: 'ref', required: true },
    { to: 'metadata.ledgerline_object', transform: 'constant', args: { value: 'company' }, required: true },
    { to: 'metadata.ledgerline_domain', from: 'domain', maxLength: 500 },
    { to: 'metadata.ledgerline_archived', from: 'archived_at', transform: 'flag', args: { value: 'true' } },
  ],
};
