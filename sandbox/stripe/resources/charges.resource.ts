/** Charges (list, retrieve), refunds (create, list, retrieve), disputes (list, retrieve, close). */
import type { Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import { createRefund } from '../charges.engine';
import { createdFilter, listParams } from './common';

export const chargeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/charges',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'charge',
        '/v1/charges',
        listParams(p),
        (c) =>
          (!p.customer || c.customer === p.customer) &&
          (!p.payment_intent || c.payment_intent === p.payment_intent) &&
          createdFilter(p.created)(c),
      ),
  },
  {
    method: 'GET',
    path: '/v1/charges/{charge}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.charge, 'charge', 'charge'),
  },
  {
    method: 'POST',
    path: '/v1/refunds',
    handler: (ctx, { params: p }) => {
      let chargeId: string | undefined = p.charge;
      if (p.payment_intent) {
        const pi = ctx.store.find(p.payment_intent, 'payment_intent', 'payment_intent');
        if (chargeId && chargeId !== pi.latest_charge)
          throw StripeApiError.invalid('The charge does not belong to this PaymentIntent.', 'charge');
        if (pi.status !== 'succeeded')
          throw StripeApiError.state(
            `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
            'charge_not_refundable',
          );
        chargeId = pi.latest_charge as string;
      }
      if (!chargeId)
        throw StripeApiError.invalid(
          'One of the following params should be provided for this request: payment_intent or charge.',
          'charge',
          'parameter_missing',
        );
      const ch = ctx.store.find(chargeId, 'charge', 'charge');
      return createRefund(ctx, ch, { amount: p.amount, reason: p.reason, metadata: p.metadata });
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'refund',
        '/v1/refunds',
        listParams(p),
        (r) =>
          (!p.charge || r.charge === p.charge) &&
          (!p.payment_intent || r.payment_intent === p.payment_intent) &&
          createdFilter(p.created)(r),
      ),
  },
  {
    method: 'GET',
    path: '/v1/refunds/{refund}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.refund, 'refund', 'refund'),
  },
  {
    method: 'GET',
    path: '/v1/disputes',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'dispute',
        '/v1/disputes',
        listParams(p),
        (d) =>
          (!p.charge || d.charge === p.charge) &&
          (!p.payment_intent || d.payment_intent === p.payment_intent) &&
          createdFilter(p.created)(d),
      ),
  },
  {
    method: 'GET',
    path: '/v1/disputes/{dispute}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.dispute, 'dispute', 'dispute'),
  },
  {
    method: 'POST',
    path: '/v1/disputes/{dispute}/close',
    handler: (ctx, { pathParams }) => {
      const d = ctx.store.find(pathParams.dispute, 'dispute', 'dispute');
      if (!['needs_response', 'warning_needs_response'].includes(d.status))
        throw StripeApiError.state(`This dispute is already closed (status ${d.status}).`);
      const previous = { status: d.status };
      d.status = 'lost';
      ctx.emit('charge.dispute.closed', d, previous);
      return d;
    },
  },
];
