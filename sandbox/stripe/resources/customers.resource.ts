/** Customers: create, retrieve, update, delete, list (email, created), search. */
import { mergeMetadata, type Route } from '../stripe.context';
import { newId } from '../stripe.store';
import type { StripeObject } from '../stripe.types';
import { createdFilter, listParams, searchPredicate } from './common';

const UPDATABLE = [
  'address',
  'balance',
  'description',
  'email',
  'name',
  'phone',
  'preferred_locales',
  'shipping',
  'tax_exempt',
];

function blankToNull(v: unknown) {
  return v === '' ? null : v;
}

export const customerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/customers',
    handler: (ctx, { params: p }) => {
      const c: StripeObject = {
        id: newId('cus', 14),
        object: 'customer',
        address: blankToNull(p.address) ?? null,
        balance: p.balance ?? 0,
        created: ctx.nowSec(),
        currency: null,
        default_source: null,
        delinquent: false,
        description: blankToNull(p.description) ?? null,
        discount: null,
        email: blankToNull(p.email) ?? null,
        invoice_prefix: newId('X', 6).slice(2).toUpperCase(),
        invoice_settings: {
          custom_fields: null,
          default_payment_method: p.invoice_settings?.default_payment_method || null,
          footer: null,
          rendering_options: null,
        },
        livemode: false,
        metadata: mergeMetadata({}, p.metadata),
        name: blankToNull(p.name) ?? null,
        next_invoice_sequence: 1,
        phone: blankToNull(p.phone) ?? null,
        preferred_locales: p.preferred_locales || [],
        shipping: blankToNull(p.shipping) ?? null,
        tax_exempt: p.tax_exempt || 'none',
        test_clock: null,
      };
      if (p.payment_method) {
        const pm = ctx.store.find(p.payment_method, 'payment_method', 'payment_method');
        pm.customer = c.id;
      }
      ctx.store.insert(c);
      ctx.emit('customer.created', c);
      return c;
    },
  },
  {
    method: 'GET',
    path: '/v1/customers',
    handler: (ctx, { params: p }) =>
      ctx.store.list('customer', '/v1/customers', listParams(p), (c) => {
        if (p.email !== undefined && c.email !== p.email) return false;
        return createdFilter(p.created)(c);
      }),
  },
  {
    method: 'GET',
    path: '/v1/customers/search',
    handler: (ctx, { params: p }) => searchResult(ctx.store.all('customer'), p, '/v1/customers/search'),
  },
  {
    method: 'GET',
    path: '/v1/customers/{customer}',
    handler: (ctx, { pathParams }) => {
      const c = ctx.store.get(pathParams.customer);
      if (c && c.object === 'customer' && c.__deleted) return { id: c.id, object: 'customer', deleted: true };
      return ctx.store.find(pathParams.customer, 'customer', 'customer');
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/{customer}',
    handler: (ctx, { pathParams, params: p }) => {
      const c = ctx.store.find(pathParams.customer, 'customer', 'customer');
      const previous: Record<string, unknown> = {};
      for (const k of UPDATABLE) {
        if (p[k] === undefined) continue;
        const next = k === 'balance' ? p[k] : k === 'tax_exempt' ? p[k] || 'none' : blankToNull(p[k]);
        if (JSON.stringify(c[k]) !== JSON.stringify(next)) {
          previous[k] = c[k];
          c[k] = next;
        }
      }
      if (p.metadata !== undefined) {
        const md = mergeMetadata(c.metadata, p.metadata);
        if (JSON.stringify(md) !== JSON.stringify(c.metadata)) {
          previous.metadata = c.metadata;
          c.metadata = md;
        }
      }
      if (p.invoice_settings?.default_payment_method !== undefined) {
        const id = p.invoice_settings.default_payment_method || null;
        if (id) ctx.store.find(id, 'payment_method', 'invoice_settings[default_payment_method]');
        previous.invoice_settings = { ...c.invoice_settings };
        c.invoice_settings.default_payment_method = id;
      }
      // Stripe emits customer.updated only when something changed.
      if (Object.keys(previous).length) ctx.emit('customer.updated', c, previous);
      return c;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/customers/{customer}',
    handler: (ctx, { pathParams }) => {
      const c = ctx.store.find(pathParams.customer, 'customer', 'customer');
      c.__deleted = true;
      for (const pm of ctx.store.all('payment_method')) if (pm.customer === c.id) pm.customer = null;
      ctx.emit('customer.deleted', c);
      return { id: c.id, object: 'customer', deleted: true };
    },
  },
];

/** Stripe search result: page token is the offset, opaque to clients. */
export function searchResult(all: StripeObject[], p: Record<string, any>, url: string) {
  const pred = searchPredicate(p.query as string);
  const matches = all.filter((o) => !o.__deleted && pred(o));
  const offset = p.page ? Number(Buffer.from(String(p.page), 'base64url').toString()) || 0 : 0;
  const limit = p.limit ?? 10;
  const sorted = sortNewest(matches);
  const data = sorted.slice(offset, offset + limit);
  const hasMore = offset + limit < sorted.length;
  return {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(String(offset + limit)).toString('base64url') : null,
    url,
  };
}

function sortNewest(items: StripeObject[]) {
  return [...items].sort((a, b) => b.created - a.created || (b.__seq ?? 0) - (a.__seq ?? 0));
}
