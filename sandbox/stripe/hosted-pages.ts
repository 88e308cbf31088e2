/**
 * Browser-facing pages: the hosted Checkout page at a session's `url` (a plain HTML form a test
 * or a headless browser fills with a test card or test bank account and POSTs), and the 3DS
 * challenge page that `next_action` points to. Results reach the integration the way Stripe's
 * do — through events and webhooks — the redirect only carries the session id.
 */
import { parseForm } from './form.parser';
import type { EmulatorContext } from './stripe.context';
import { mergeMetadata } from './stripe.context';
import { StripeApiError } from './stripe.errors';
import { formatMajor } from './money';
import { createPaymentMethod } from './payment-method.factory';
import { attempt, authenticatePaymentIntent } from './payment-intent.flow';
import { authenticateSetupIntent, confirmSetupIntent } from './resources/setup-intents.resource';
import { newId } from './stripe.store';
import type { RawAnswer, SideRoute } from './stripe.server';
import type { StripeObject } from './stripe.types';

const esc = (s: string | number | null | undefined) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function html(status: number, title: string, body: string): RawAnswer {
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`,
  };
}

function redirect(location: string): RawAnswer {
  return {
    status: 303,
    headers: { Location: location, 'Content-Type': 'text/plain' },
    body: `Redirecting to ${location}`,
  };
}

function checkoutForm(cs: StripeObject, error?: string): string {
  const total =
    cs.mode === 'payment'
      ? `<p id="total">Pay ${esc(formatMajor(cs.amount_total, cs.currency))} ${esc(String(cs.currency).toUpperCase())}</p>`
      : '<p>Save your payment details</p>';
  const lines = (cs.__lines as { name: string | null; amount: number }[])
    .map((l) => `<li>${esc(l.name)}: ${esc(formatMajor(l.amount, cs.currency))}</li>`)
    .join('');
  const methods = cs.payment_method_types as string[];
  return `${total}<ul>${lines}</ul>${error ? `<p id="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" id="checkout">
<label>Email <input name="email" id="email" value="${esc(cs.customer_email)}"></label>
<label>Name <input name="name" id="name"></label>
<label>Method <select name="method" id="method">${methods.map((m) => `<option value="${esc(m)}">${esc(m)}</option>`).join('')}</select></label>
<fieldset><legend>Card</legend>
<label>Card number <input name="card_number" id="card_number" autocomplete="cc-number"></label>
<label>Expiry month <input name="exp_month" id="exp_month" value="12"></label>
<label>Expiry year <input name="exp_year" id="exp_year" value="2034"></label>
<label>CVC <input name="cvc" id="cvc" value="123"></label></fieldset>
<fieldset><legend>US bank account</legend>
<label>Routing number <input name="routing_number" id="routing_number" value="110000000"></label>
<label>Account number <input name="account_number" id="account_number"></label></fieldset>
<button type="submit" id="submit">${cs.mode === 'payment' ? 'Pay' : 'Save'}</button></form>`;
}

export function hostedPages(ctx: EmulatorContext): SideRoute {
  return async (method, url, body) => {
    const m = /^\/(c\/pay|3ds)\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (!m) return undefined;
    const obj = ctx.store.get(m[2]);
    if (m[1] === '3ds') return challenge(ctx, obj, method, body);
    if (!obj || obj.object !== 'checkout.session') return html(404, 'Checkout session not found', '');
    if (obj.status !== 'open') return html(410, `This Checkout Session is ${obj.status}`, '');
    if (method === 'GET') return html(200, 'Ledgerline sandbox checkout', checkoutForm(obj));
    if (method !== 'POST') return html(405, 'Method not allowed', '');
    try {
      return pay(ctx, obj, parseForm(body) as Record<string, string>);
    } catch (e) {
      if (e instanceof StripeApiError)
        return html(402, 'Ledgerline sandbox checkout', checkoutForm(obj, e.body.message));
      throw e;
    }
  };
}

function pay(ctx: EmulatorContext, cs: StripeObject, f: Record<string, string>): RawAnswer {
  const type = f.method || 'card';
  const billing = { email: f.email || cs.customer_email || undefined, name: f.name || undefined };
  const pm =
    type === 'us_bank_account'
      ? createPaymentMethod(ctx, {
          type,
          billing_details: { ...billing, name: f.name || 'Sandbox Customer' },
          us_bank_account: { account_number: f.account_number, routing_number: f.routing_number },
        })
      : createPaymentMethod(ctx, {
          type: 'card',
          billing_details: billing,
          card: {
            number: f.card_number,
            exp_month: Number(f.exp_month) || 12,
            exp_year: Number(f.exp_year) || 2034,
            cvc: f.cvc,
          },
        });
  const piData = cs.__piData as Record<string, any>;
  let customer = cs.customer as string | null;
  const wantsCustomer =
    cs.mode === 'setup' || cs.customer_creation === 'always' || !!piData.setup_future_usage;
  if (!customer && wantsCustomer) {
    const c = ctx.store.insert({
      id: newId('cus', 14),
      object: 'customer',
      address: null,
      balance: 0,
      created: ctx.nowSec(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: billing.email ?? null,
      invoice_prefix: newId('X', 6).slice(2).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: {},
      name: billing.name ?? null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    });
    ctx.emit('customer.created', c);
    customer = c.id;
  }
  if (cs.mode === 'setup') {
    const si = ctx.store.insert({
      id: newId('seti'),
      object: 'setup_intent',
      application: null,
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: null,
      created: ctx.nowSec(),
      customer,
      description: null,
      flow_directions: null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      mandate: null,
      metadata: mergeMetadata({}, (cs.__siData as Record<string, any>).metadata),
      next_action: null,
      on_behalf_of: null,
      payment_method: pm.id,
      payment_method_options: {},
      payment_method_types: cs.payment_method_types,
      single_use_mandate: null,
      status: 'requires_confirmation',
      usage: 'off_session',
    });
    ctx.emit('setup_intent.created', si);
    confirmSetupIntent(ctx, si, {});
    if (si.status === 'requires_action') authenticateSetupIntent(ctx, si, true);
    cs.setup_intent = si.id;
  } else {
    const pi = ctx.store.insert({
      id: newId('pi'),
      object: 'payment_intent',
      amount: cs.amount_total,
      amount_capturable: 0,
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: piData.capture_method ?? 'automatic',
      client_secret: null,
      confirmation_method: 'automatic',
      created: ctx.nowSec(),
      currency: cs.currency,
      customer,
      description: piData.description ?? null,
      invoice: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: mergeMetadata({}, piData.metadata),
      next_action: null,
      on_behalf_of: null,
      payment_method: pm.id,
      payment_method_options: {},
      payment_method_types: cs.payment_method_types,
      processing: null,
      receipt_email: null,
      review: null,
      setup_future_usage: piData.setup_future_usage ?? null,
      shipping: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'requires_confirmation',
      transfer_data: null,
      transfer_group: null,
      __checkoutSession: cs.id,
    });
    ctx.emit('payment_intent.created', pi);
    cs.payment_intent = pi.id;
    // The hosted page completes any 3DS challenge itself (the tester "passes" it).
    attempt(ctx, pi, pm, true);
    cs.payment_status = pi.status === 'succeeded' || pi.status === 'requires_capture' ? 'paid' : 'unpaid';
  }
  cs.customer = customer;
  cs.customer_details = {
    address: null,
    email: billing.email ?? null,
    name: billing.name ?? null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  cs.status = 'complete';
  cs.url = null;
  ctx.emit('checkout.session.completed', cs);
  return redirect(String(cs.success_url).replace('{CHECKOUT_SESSION_ID}', cs.id));
}

function challenge(
  ctx: EmulatorContext,
  intent: StripeObject | undefined,
  method: string,
  body: string,
): RawAnswer {
  if (!intent || (intent.object !== 'payment_intent' && intent.object !== 'setup_intent'))
    return html(404, 'Unknown intent', '');
  if (method === 'GET')
    return html(
      200,
      '3D Secure test challenge',
      `<form method="post"><button name="outcome" value="succeed" id="complete">Complete authentication</button><button name="outcome" value="fail" id="fail">Fail authentication</button></form>`,
    );
  const succeed = parseForm(body).outcome !== 'fail';
  const returnUrl = intent.next_action?.redirect_to_url?.return_url as string | undefined;
  try {
    if (intent.object === 'payment_intent') authenticatePaymentIntent(ctx, intent, succeed);
    else authenticateSetupIntent(ctx, intent, succeed);
  } catch (e) {
    if (!(e instanceof StripeApiError)) throw e;
  }
  if (returnUrl)
    return redirect(`${returnUrl}${returnUrl.includes('?') ? '&' : '?'}${intent.object}=${intent.id}`);
  return html(
    200,
    `Authentication ${succeed ? 'completed' : 'failed'}`,
    `<p id="status">${esc(intent.status)}</p>`,
  );
}
