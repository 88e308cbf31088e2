/** SetupIntents: create (with confirm), retrieve, confirm, cancel, list; 3DS and declines like Stripe's test cards. */
import { mergeMetadata, type EmulatorContext, type Route } from '../stripe.context';
import { StripeApiError, withDoc } from '../stripe.errors';
import { cardError, paymentMethodFromData, resolvePaymentMethod } from '../payment-method.factory';
import { nextAction } from '../payment-intent.flow';
import { newId } from '../stripe.store';
import type { StripeObject } from '../stripe.types';
import { createdFilter, listParams } from './common';

function unexpected(si: StripeObject, action: string) {
  return new StripeApiError(
    400,
    withDoc({
      type: 'invalid_request_error',
      code: 'setup_intent_unexpected_state',
      message: `You cannot ${action} this SetupIntent because it has a status of ${si.status}.`,
    }),
  );
}

export function confirmSetupIntent(
  ctx: EmulatorContext,
  si: StripeObject,
  p: Record<string, any>,
): StripeObject {
  if (!['requires_payment_method', 'requires_confirmation'].includes(si.status))
    throw unexpected(si, 'confirm');
  if (p.payment_method_data) si.payment_method = paymentMethodFromData(ctx, p.payment_method_data).id;
  else if (p.payment_method) si.payment_method = resolvePaymentMethod(ctx, p.payment_method).id;
  if (!si.payment_method)
    throw new StripeApiError(
      400,
      withDoc({
        type: 'invalid_request_error',
        code: 'setup_intent_unexpected_state',
        message: "You cannot confirm this SetupIntent because it's missing a payment method.",
      }),
    );
  const pm = ctx.store.find(si.payment_method, 'payment_method', 'payment_method');
  si.last_setup_error = null;
  const outcome = pm.__card?.outcome;
  if (outcome?.kind === 'decline') {
    si.status = 'requires_payment_method';
    si.last_setup_error = withDoc({
      type: 'card_error',
      code: outcome.code,
      decline_code: outcome.decline_code,
      message: outcome.message,
      payment_method: pm,
    } as never);
    si.payment_method = null;
    ctx.emit('setup_intent.setup_failed', si);
    throw cardError(outcome.message, outcome.code, outcome.decline_code, {
      setup_intent: si,
      payment_method: pm,
    });
  }
  if (outcome?.kind === 'auth_always' || outcome?.kind === 'auth_unless_setup') {
    si.status = 'requires_action';
    si.next_action = nextAction(ctx, si.id, p.return_url);
    ctx.emit('setup_intent.requires_action', si);
    return si;
  }
  return succeedSetup(ctx, si, pm);
}

export function succeedSetup(ctx: EmulatorContext, si: StripeObject, pm: StripeObject): StripeObject {
  si.status = 'succeeded';
  si.next_action = null;
  pm.__setupForOffSession = true;
  if (si.customer && pm.customer !== si.customer) {
    pm.customer = si.customer;
    ctx.emit('payment_method.attached', pm);
  }
  if (pm.type === 'us_bank_account') si.mandate = si.mandate ?? newId('mandate');
  ctx.emit('setup_intent.succeeded', si);
  return si;
}

export function authenticateSetupIntent(
  ctx: EmulatorContext,
  si: StripeObject,
  succeed: boolean,
): StripeObject {
  if (si.status !== 'requires_action') throw unexpected(si, 'authenticate');
  const pm = ctx.store.find(si.payment_method, 'payment_method');
  if (succeed) return succeedSetup(ctx, si, pm);
  si.status = 'requires_payment_method';
  si.next_action = null;
  si.payment_method = null;
  si.last_setup_error = withDoc({
    type: 'invalid_request_error',
    code: 'setup_intent_authentication_failure',
    message: 'The latest attempt to set up the payment method has failed because authentication failed.',
  });
  ctx.emit('setup_intent.setup_failed', si);
  return si;
}

export const setupIntentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/setup_intents',
    handler: (ctx, { params: p }) => {
      if (p.customer) ctx.store.find(p.customer, 'customer', 'customer');
      const id = newId('seti');
      const si: StripeObject = {
        id,
        object: 'setup_intent',
        application: null,
        // API 2023-08-16: automatic payment methods are on unless types are given
        automatic_payment_methods: p.payment_method_types
          ? null
          : { allow_redirects: 'always', enabled: true, ...(p.automatic_payment_methods ?? {}) },
        cancellation_reason: null,
        client_secret: `${id}_secret_${newId('x', 25).slice(2)}`,
        created: ctx.nowSec(),
        customer: p.customer ?? null,
        description: p.description ?? null,
        flow_directions: p.flow_directions ?? null,
        last_setup_error: null,
        latest_attempt: null,
        livemode: false,
        mandate: null,
        metadata: mergeMetadata({}, p.metadata),
        next_action: null,
        on_behalf_of: null,
        payment_method: null,
        payment_method_options: {},
        payment_method_types: p.payment_method_types ?? ['card', 'us_bank_account'],
        single_use_mandate: null,
        status: 'requires_payment_method',
        usage: p.usage ?? 'off_session',
      };
      if (p.payment_method_data) si.payment_method = paymentMethodFromData(ctx, p.payment_method_data).id;
      else if (p.payment_method) si.payment_method = resolvePaymentMethod(ctx, p.payment_method).id;
      if (si.payment_method) si.status = 'requires_confirmation';
      ctx.store.insert(si);
      ctx.emit('setup_intent.created', si);
      if (p.confirm === true) return confirmSetupIntent(ctx, si, { return_url: p.return_url });
      return si;
    },
  },
  {
    method: 'GET',
    path: '/v1/setup_intents',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'setup_intent',
        '/v1/setup_intents',
        listParams(p),
        (si) =>
          (!p.customer || si.customer === p.customer) &&
          (!p.payment_method || si.payment_method === p.payment_method) &&
          createdFilter(p.created)(si),
      ),
  },
  {
    method: 'GET',
    path: '/v1/setup_intents/{intent}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.intent, 'setup_intent', 'intent'),
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/{intent}/confirm',
    handler: (ctx, { pathParams, params: p }) =>
      confirmSetupIntent(ctx, ctx.store.find(pathParams.intent, 'setup_intent', 'intent'), p),
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/{intent}/cancel',
    handler: (ctx, { pathParams, params: p }) => {
      const si = ctx.store.find(pathParams.intent, 'setup_intent', 'intent');
      if (['succeeded', 'canceled', 'processing'].includes(si.status)) throw unexpected(si, 'cancel');
      si.status = 'canceled';
      si.cancellation_reason = p.cancellation_reason ?? 'requested_by_customer';
      si.next_action = null;
      ctx.emit('setup_intent.canceled', si);
      return si;
    },
  },
];
