/**
 * PaymentIntent state machine: requires_payment_method → requires_confirmation → (requires_action)
 * → processing | requires_capture | succeeded, or back to requires_payment_method on a decline;
 * canceled from any non-final state. Card outcomes follow Stripe's test cards; us_bank_account
 * debits stay `processing` and settle or fail four business days later (see processes.ts).
 */
import type { EmulatorContext } from './stripe.context';
import { StripeApiError, withDoc } from './stripe.errors';
import { createDispute, newCharge, type ChargeFailure } from './charges.engine';
import { cardError, paymentMethodFromData, resolvePaymentMethod } from './payment-method.factory';
import type { StripeObject } from './stripe.types';

const DAY_MS = 86400000;

export function addBusinessDays(from: Date, days: number): Date {
  const d = new Date(from.getTime());
  let left = days;
  while (left > 0) {
    d.setTime(d.getTime() + DAY_MS);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return d;
}

export function unexpectedState(pi: StripeObject, action: string): StripeApiError {
  return new StripeApiError(
    400,
    withDoc({
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: `You cannot ${action} this PaymentIntent because it has a status of ${pi.status}.`,
    }),
  );
}

export function nextAction(ctx: EmulatorContext, id: string, returnUrl: string | undefined) {
  const url = `${ctx.baseUrl}/3ds/${id}`;
  if (returnUrl) return { type: 'redirect_to_url', redirect_to_url: { return_url: returnUrl, url } };
  return {
    type: 'use_stripe_sdk',
    use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: id },
  };
}

/** Applies confirm-time params then runs the attempt. Throws 402 card errors after recording them. */
export function confirmPaymentIntent(
  ctx: EmulatorContext,
  pi: StripeObject,
  p: Record<string, any>,
): StripeObject {
  if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status))
    throw unexpectedState(pi, 'confirm');
  if (p.payment_method_data) pi.payment_method = paymentMethodFromData(ctx, p.payment_method_data).id;
  else if (p.payment_method) pi.payment_method = resolvePaymentMethod(ctx, p.payment_method).id;
  if (p.setup_future_usage !== undefined) pi.setup_future_usage = p.setup_future_usage || null;
  if (p.receipt_email !== undefined) pi.receipt_email = p.receipt_email || null;
  if (!pi.payment_method)
    throw new StripeApiError(
      400,
      withDoc({
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message:
          "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with " +
          pi.customer +
          ', specify a payment method attached to this customer along with the customer ID.',
      }),
    );
  const pm = ctx.store.find(pi.payment_method, 'payment_method', 'payment_method');
  if (!pi.payment_method_types.includes(pm.type))
    throw StripeApiError.invalid(
      `The PaymentMethod provided (${pm.type}) is not allowed for this PaymentIntent. Please attach a PaymentMethod of one of the following types: ${pi.payment_method_types.join(', ')}.`,
      'payment_method',
      'payment_intent_incompatible_payment_method',
    );
  if (pm.customer && pi.customer && pm.customer !== pi.customer)
    throw StripeApiError.invalid(
      'The provided PaymentMethod belongs to another customer.',
      'payment_method',
      'payment_method_unexpected_state',
    );
  pi.__offSession = p.off_session === true || p.off_session === 'one_off' || p.off_session === 'recurring';
  pi.__returnUrl = p.return_url;
  return attempt(ctx, pi, pm, false);
}

/** One charge attempt; `authenticated` is true after a 3DS challenge was completed. */
export function attempt(
  ctx: EmulatorContext,
  pi: StripeObject,
  pm: StripeObject,
  authenticated: boolean,
): StripeObject {
  pi.last_payment_error = null;
  pi.next_action = null;
  if (pm.type === 'us_bank_account') {
    const ch = newCharge(ctx, pi, pm, 'pending');
    setStatus(ctx, pi, 'processing', { latest_charge: ch.id });
    pi.__settleAt = addBusinessDays(ctx.now(), 4).getTime();
    ctx.emit('charge.pending', ch);
    ctx.emit('payment_intent.processing', pi);
    return pi;
  }
  const outcome = pm.__card.outcome;
  const needsAuth =
    outcome.kind === 'auth_always' || (outcome.kind === 'auth_unless_setup' && !pm.__setupForOffSession);
  if (needsAuth && !authenticated) {
    if (pi.__offSession)
      return decline(ctx, pi, pm, {
        code: 'authentication_required',
        decline_code: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
      });
    setStatus(ctx, pi, 'requires_action', { next_action: nextAction(ctx, pi.id, pi.__returnUrl) });
    ctx.emit('payment_intent.requires_action', pi);
    return pi;
  }
  if (outcome.kind === 'decline' || outcome.kind === 'attach_ok_charge_fails')
    return decline(ctx, pi, pm, outcome);
  const manual = pi.capture_method === 'manual';
  const ch = newCharge(ctx, pi, pm, 'succeeded', { captured: !manual });
  if (manual) {
    setStatus(ctx, pi, 'requires_capture', { latest_charge: ch.id, amount_capturable: pi.amount });
    ctx.emit('charge.succeeded', ch);
    ctx.emit('payment_intent.amount_capturable_updated', pi);
  } else {
    setStatus(ctx, pi, 'succeeded', { latest_charge: ch.id, amount_received: pi.amount });
    ctx.emit('charge.succeeded', ch);
    ctx.emit('payment_intent.succeeded', pi);
  }
  saveForFuture(ctx, pi, pm);
  if (outcome.kind === 'dispute') createDispute(ctx, ch, 'fraudulent');
  return pi;
}

function saveForFuture(ctx: EmulatorContext, pi: StripeObject, pm: StripeObject) {
  if (!pi.setup_future_usage || !pi.customer) return;
  pm.__setupForOffSession = true;
  if (pm.customer !== pi.customer) {
    pm.customer = pi.customer;
    ctx.emit('payment_method.attached', pm);
  }
}

function decline(ctx: EmulatorContext, pi: StripeObject, pm: StripeObject, f: ChargeFailure): never {
  const ch = newCharge(ctx, pi, pm, 'failed', { failure: f });
  const error = {
    type: 'card_error',
    charge: ch.id,
    code: f.code,
    decline_code: f.decline_code,
    message: f.message,
    payment_method: pm,
  };
  setStatus(ctx, pi, 'requires_payment_method', {
    latest_charge: ch.id,
    last_payment_error: withDoc(error as never),
    payment_method: null,
  });
  ctx.emit('charge.failed', ch);
  ctx.emit('payment_intent.payment_failed', pi);
  throw cardError(f.message, f.code, f.decline_code, {
    charge: ch.id,
    payment_intent: pi,
    payment_method: pm,
  });
}

export function setStatus(
  ctx: EmulatorContext,
  pi: StripeObject,
  status: string,
  fields: Record<string, unknown> = {},
) {
  pi.status = status;
  Object.assign(pi, fields);
}

/** Completes or fails the 3DS challenge of a PaymentIntent in requires_action. */
export function authenticatePaymentIntent(
  ctx: EmulatorContext,
  pi: StripeObject,
  succeed: boolean,
): StripeObject {
  if (pi.status !== 'requires_action') throw unexpectedState(pi, 'authenticate');
  const pm = ctx.store.find(pi.payment_method, 'payment_method', 'payment_method');
  if (succeed) return attempt(ctx, pi, pm, true);
  setStatus(ctx, pi, 'requires_payment_method', {
    next_action: null,
    payment_method: null,
    last_payment_error: withDoc({
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      message:
        'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      payment_method: pm,
    } as never),
  });
  ctx.emit('payment_intent.payment_failed', pi);
  return pi;
}
