/** PaymentIntents: create (with confirm), retrieve, update, confirm, capture, cancel, list. */
import { mergeMetadata, type Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import { bookCapture } from '../charges.engine';
import { validateChargeAmount } from '../money';
import { paymentMethodFromData, resolvePaymentMethod } from '../payment-method.factory';
import { confirmPaymentIntent, setStatus, unexpectedState } from '../payment-intent.flow';
import { newId } from '../stripe.store';
import type { StripeObject } from '../stripe.types';
import { createdFilter, listParams } from './common';

const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
];

export const paymentIntentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_intents',
    handler: (ctx, { params: p }) => {
      validateChargeAmount(p.amount, p.currency);
      if (p.customer) ctx.store.find(p.customer, 'customer', 'customer');
      if (p.off_session !== undefined && p.confirm !== true)
        throw StripeApiError.invalid('off_session can only be passed when confirm=true.', 'off_session');
      const id = newId('pi');
      // API 2023-08-16 turned automatic_payment_methods on by default when no types are given.
      const automatic = p.payment_method_types
        ? null
        : { allow_redirects: 'always', enabled: true, ...(p.automatic_payment_methods ?? {}) };
      const types: string[] = p.payment_method_types ?? ['card', 'us_bank_account'];
      const pi: StripeObject = {
        id,
        object: 'payment_intent',
        amount: p.amount,
        amount_capturable: 0,
        amount_received: 0,
        application: null,
        application_fee_amount: null,
        automatic_payment_methods: automatic,
        canceled_at: null,
        cancellation_reason: null,
        capture_method: p.capture_method ?? 'automatic',
        client_secret: `${id}_secret_${newId('x', 25).slice(2)}`,
        confirmation_method: p.confirmation_method ?? 'automatic',
        created: ctx.nowSec(),
        currency: String(p.currency).toLowerCase(),
        customer: p.customer ?? null,
        description: p.description ?? null,
        invoice: null,
        last_payment_error: null,
        latest_charge: null,
        livemode: false,
        metadata: mergeMetadata({}, p.metadata),
        next_action: null,
        on_behalf_of: null,
        payment_method: null,
        payment_method_options: {},
        payment_method_types: types,
        processing: null,
        receipt_email: p.receipt_email ?? null,
        review: null,
        setup_future_usage: p.setup_future_usage || null,
        shipping: null,
        statement_descriptor: p.statement_descriptor ?? null,
        statement_descriptor_suffix: p.statement_descriptor_suffix ?? null,
        status: 'requires_payment_method',
        transfer_data: null,
        transfer_group: null,
      };
      if (p.payment_method_data) pi.payment_method = paymentMethodFromData(ctx, p.payment_method_data).id;
      else if (p.payment_method) pi.payment_method = resolvePaymentMethod(ctx, p.payment_method).id;
      if (pi.payment_method) pi.status = 'requires_confirmation';
      ctx.store.insert(pi);
      ctx.emit('payment_intent.created', pi);
      if (p.confirm === true)
        return confirmPaymentIntent(ctx, pi, { off_session: p.off_session, return_url: p.return_url });
      return pi;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'payment_intent',
        '/v1/payment_intents',
        listParams(p),
        (pi) => (!p.customer || pi.customer === p.customer) && createdFilter(p.created)(pi),
      ),
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/{intent}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.intent, 'payment_intent', 'intent'),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/{intent}',
    handler: (ctx, { pathParams, params: p }) => {
      const pi = ctx.store.find(pathParams.intent, 'payment_intent', 'intent');
      const editable = ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(
        pi.status,
      );
      const moneyKeys = [
        'amount',
        'currency',
        'payment_method',
        'customer',
        'payment_method_types',
        'payment_method_data',
      ];
      if (!editable && moneyKeys.some((k) => p[k] !== undefined)) throw unexpectedState(pi, 'update');
      const previous: Record<string, unknown> = {};
      const set = (k: string, v: unknown) => {
        previous[k] = pi[k];
        pi[k] = v;
      };
      if (p.amount !== undefined || p.currency !== undefined) {
        validateChargeAmount(p.amount ?? pi.amount, p.currency ?? pi.currency);
        if (p.amount !== undefined) set('amount', p.amount);
        if (p.currency !== undefined) set('currency', String(p.currency).toLowerCase());
      }
      if (p.customer !== undefined) set('customer', ctx.store.find(p.customer, 'customer', 'customer').id);
      if (p.description !== undefined) set('description', p.description || null);
      if (p.receipt_email !== undefined) set('receipt_email', p.receipt_email || null);
      if (p.setup_future_usage !== undefined) set('setup_future_usage', p.setup_future_usage || null);
      if (p.payment_method_types !== undefined) set('payment_method_types', p.payment_method_types);
      if (p.metadata !== undefined) set('metadata', mergeMetadata(pi.metadata, p.metadata));
      if (p.payment_method_data) set('payment_method', paymentMethodFromData(ctx, p.payment_method_data).id);
      else if (p.payment_method) set('payment_method', resolvePaymentMethod(ctx, p.payment_method).id);
      if (editable && pi.payment_method && pi.status === 'requires_payment_method')
        pi.status = 'requires_confirmation';
      return pi;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/{intent}/confirm',
    handler: (ctx, { pathParams, params: p }) =>
      confirmPaymentIntent(ctx, ctx.store.find(pathParams.intent, 'payment_intent', 'intent'), p),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/{intent}/capture',
    handler: (ctx, { pathParams, params: p }) => {
      const pi = ctx.store.find(pathParams.intent, 'payment_intent', 'intent');
      if (pi.status !== 'requires_capture') throw unexpectedState(pi, 'capture');
      const amount = p.amount_to_capture ?? pi.amount_capturable;
      if (amount > pi.amount_capturable || amount <= 0)
        throw StripeApiError.invalid(
          `The amount to capture (${amount}) must be positive and at most the amount capturable (${pi.amount_capturable}).`,
          'amount_to_capture',
          'amount_too_large',
        );
      const ch = ctx.store.find(pi.latest_charge, 'charge');
      const pm = ctx.store.find(pi.payment_method, 'payment_method');
      ch.captured = true;
      ch.amount_captured = amount;
      bookCapture(ctx, ch, pm.type);
      if (p.metadata !== undefined) pi.metadata = mergeMetadata(pi.metadata, p.metadata);
      setStatus(ctx, pi, 'succeeded', { amount_capturable: 0, amount_received: amount });
      ctx.emit('charge.captured', ch);
      ctx.emit('payment_intent.succeeded', pi);
      return pi;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/{intent}/cancel',
    handler: (ctx, { pathParams, params: p }) => {
      const pi = ctx.store.find(pathParams.intent, 'payment_intent', 'intent');
      if (!CANCELABLE.includes(pi.status)) throw unexpectedState(pi, 'cancel');
      if (pi.status === 'requires_capture') {
        // Releasing an uncaptured authorisation refunds the charge without moving money.
        const ch = ctx.store.find(pi.latest_charge, 'charge');
        ch.amount_refunded = ch.amount;
        ch.refunded = true;
      }
      setStatus(ctx, pi, 'canceled', {
        canceled_at: ctx.nowSec(),
        cancellation_reason: p.cancellation_reason ?? 'requested_by_customer',
        amount_capturable: 0,
        next_action: null,
      });
      ctx.emit('payment_intent.canceled', pi);
      return pi;
    },
  },
];
