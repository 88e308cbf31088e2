/** PaymentMethods: create (card, us_bank_account), retrieve, update, attach, detach, list. */
import { mergeMetadata, type Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import {
  billingDetails,
  cardError,
  createPaymentMethod,
  resolvePaymentMethod,
} from '../payment-method.factory';
import type { StripeObject } from '../stripe.types';
import { listParams } from './common';

function listFor(customer: string | undefined, type: string | undefined) {
  return (pm: StripeObject) => (!customer || pm.customer === customer) && (!type || pm.type === type);
}

export const paymentMethodRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_methods',
    handler: (ctx, { params: p }) => {
      if (!p.type) throw StripeApiError.invalid('Missing required param: type.', 'type', 'parameter_missing');
      return createPaymentMethod(ctx, p);
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    handler: (ctx, { params: p }) =>
      ctx.store.list('payment_method', '/v1/payment_methods', listParams(p), listFor(p.customer, p.type)),
  },
  {
    method: 'GET',
    path: '/v1/customers/{customer}/payment_methods',
    handler: (ctx, { pathParams, params: p }) => {
      const c = ctx.store.find(pathParams.customer, 'customer', 'customer');
      return ctx.store.list(
        'payment_method',
        `/v1/customers/${c.id}/payment_methods`,
        listParams(p),
        listFor(c.id, p.type),
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/{payment_method}',
    handler: (ctx, { pathParams }) => resolvePaymentMethod(ctx, pathParams.payment_method, 'payment_method'),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/{payment_method}',
    handler: (ctx, { pathParams, params: p }) => {
      const pm = ctx.store.find(pathParams.payment_method, 'payment_method', 'payment_method');
      const previous: Record<string, unknown> = {};
      if (p.billing_details) {
        previous.billing_details = pm.billing_details;
        const merged = { ...pm.billing_details, ...p.billing_details };
        pm.billing_details = billingDetails({
          ...merged,
          address: { ...pm.billing_details.address, ...(p.billing_details.address || {}) },
        });
      }
      if (p.metadata !== undefined) {
        previous.metadata = pm.metadata;
        pm.metadata = mergeMetadata(pm.metadata, p.metadata);
      }
      if (p.card && pm.card) {
        previous.card = { ...pm.card };
        if (p.card.exp_month) pm.card.exp_month = p.card.exp_month;
        if (p.card.exp_year) pm.card.exp_year = p.card.exp_year;
      }
      ctx.emit('payment_method.updated', pm, previous);
      return pm;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/{payment_method}/attach',
    handler: (ctx, { pathParams, params: p }) => {
      const customer = ctx.store.find(p.customer, 'customer', 'customer');
      const pm = resolvePaymentMethod(ctx, pathParams.payment_method, 'payment_method');
      if (pm.customer && pm.customer !== customer.id)
        throw StripeApiError.invalid(
          'The payment method you provided has already been attached to a customer.',
          'payment_method',
          'payment_method_unexpected_state',
        );
      // Attaching a card runs a card check on Stripe: declined test cards fail here.
      const outcome = pm.__card?.outcome;
      if (outcome?.kind === 'decline')
        throw cardError(outcome.message, outcome.code, outcome.decline_code, { param: '' });
      if (pm.customer !== customer.id) {
        pm.customer = customer.id;
        ctx.emit('payment_method.attached', pm);
      }
      return pm;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/{payment_method}/detach',
    handler: (ctx, { pathParams }) => {
      const pm = ctx.store.find(pathParams.payment_method, 'payment_method', 'payment_method');
      if (!pm.customer)
        throw StripeApiError.invalid(
          'The payment method you provided is not attached to a customer so detachment is impossible.',
          undefined,
          'payment_method_unexpected_state',
        );
      const previous = { customer: pm.customer };
      pm.customer = null;
      for (const c of ctx.store.all('customer'))
        if (c.invoice_settings.default_payment_method === pm.id)
          c.invoice_settings.default_payment_method = null;
      ctx.emit('payment_method.detached', pm, previous);
      return pm;
    },
  },
];
