/** Checkout Sessions (payment and setup modes): create, retrieve, list, expire. The hosted page is in hosted-pages.ts. */
import { mergeMetadata, type EmulatorContext, type Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import { validateChargeAmount } from '../money';
import { newId } from '../stripe.store';
import type { StripeObject } from '../stripe.types';
import { createdFilter, listParams } from './common';

function lineTotal(li: Record<string, any>, i: number) {
  if (li.price) throw StripeApiError.missing(String(li.price), `line_items[${i}][price]`);
  const pd = li.price_data as Record<string, any> | undefined;
  if (!pd)
    throw StripeApiError.invalid(
      `Missing required param: line_items[${i}][price_data].`,
      `line_items[${i}][price_data]`,
      'parameter_missing',
    );
  if (pd.unit_amount === undefined)
    throw StripeApiError.invalid(
      `Missing required param: line_items[${i}][price_data][unit_amount].`,
      `line_items[${i}][price_data][unit_amount]`,
      'parameter_missing',
    );
  if (!li.quantity)
    throw StripeApiError.invalid(
      `Missing required param: line_items[${i}][quantity].`,
      `line_items[${i}][quantity]`,
      'parameter_missing',
    );
  return {
    currency: String(pd.currency).toLowerCase(),
    amount: (pd.unit_amount as number) * (li.quantity as number),
    name: pd.product_data?.name ?? null,
  };
}

export function expireSession(ctx: EmulatorContext, cs: StripeObject): void {
  cs.status = 'expired';
  cs.url = null;
  ctx.emit('checkout.session.expired', cs);
}

export const checkoutRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/checkout/sessions',
    handler: (ctx, { params: p }) => {
      const mode = p.mode as string;
      if (mode !== 'payment' && mode !== 'setup')
        throw StripeApiError.invalid(
          `Invalid mode: this sandbox supports payment and setup (got ${mode}).`,
          'mode',
        );
      if (!p.success_url)
        throw StripeApiError.invalid(
          'Missing required param: success_url.',
          'success_url',
          'parameter_missing',
        );
      if (p.customer) ctx.store.find(p.customer, 'customer', 'customer');
      if (p.customer && p.customer_email)
        throw StripeApiError.invalid(
          'You may only specify one of these parameters: customer, customer_email.',
          'customer_email',
        );
      let amount: number | null = null;
      let currency: string | null = p.currency ? String(p.currency).toLowerCase() : null;
      const lines: { currency: string; amount: number; name: string | null }[] = [];
      if (mode === 'payment') {
        const items = (p.line_items ?? []) as Record<string, any>[];
        if (!items.length)
          throw StripeApiError.invalid(
            'Missing required param: line_items.',
            'line_items',
            'parameter_missing',
          );
        items.forEach((li, i) => lines.push(lineTotal(li, i)));
        currency = lines[0].currency;
        if (lines.some((l) => l.currency !== currency))
          throw StripeApiError.invalid('All line items must use the same currency.', 'line_items');
        amount = lines.reduce((s, l) => s + l.amount, 0);
        validateChargeAmount(amount, currency, 'line_items');
      } else if (!p.payment_method_types && !currency)
        throw StripeApiError.invalid(
          'Missing required param: currency or payment_method_types (required in setup mode).',
          'currency',
          'parameter_missing',
        );
      const id = `cs_test_${newId('x', 58).slice(2)}`;
      const created = ctx.nowSec();
      const cs: StripeObject = {
        id,
        object: 'checkout.session',
        after_expiration: null,
        allow_promotion_codes: null,
        amount_subtotal: amount,
        amount_total: amount,
        automatic_tax: { enabled: false, status: null },
        billing_address_collection: p.billing_address_collection ?? null,
        cancel_url: p.cancel_url ?? null,
        client_reference_id: p.client_reference_id ?? null,
        consent: null,
        consent_collection: null,
        created,
        currency,
        custom_fields: [],
        custom_text: { shipping_address: null, submit: null },
        customer: p.customer ?? null,
        customer_creation: p.customer ? null : (p.customer_creation ?? 'if_required'),
        customer_details: null,
        customer_email: p.customer_email ?? null,
        expires_at: p.expires_at ?? created + 24 * 3600,
        invoice: null,
        invoice_creation: null,
        livemode: false,
        locale: p.locale ?? null,
        metadata: mergeMetadata({}, p.metadata),
        mode,
        payment_intent: null,
        payment_link: null,
        payment_method_collection: 'always',
        payment_method_options: {},
        payment_method_types: p.payment_method_types ?? ['card'],
        payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
        phone_number_collection: { enabled: false },
        recovered_from: null,
        setup_intent: null,
        shipping_address_collection: null,
        shipping_cost: null,
        shipping_details: null,
        shipping_options: [],
        status: 'open',
        submit_type: p.submit_type ?? null,
        subscription: null,
        success_url: p.success_url,
        total_details: mode === 'payment' ? { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } : null,
        url: `${ctx.baseUrl}/c/pay/${id}`,
        __lines: lines,
        __piData: p.payment_intent_data ?? {},
        __siData: p.setup_intent_data ?? {},
      };
      ctx.store.insert(cs);
      return cs;
    },
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'checkout.session',
        '/v1/checkout/sessions',
        listParams(p),
        (cs) =>
          (!p.customer || cs.customer === p.customer) &&
          (!p.payment_intent || cs.payment_intent === p.payment_intent) &&
          (!p.status || cs.status === p.status) &&
          createdFilter(p.created)(cs),
      ),
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/{session}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.session, 'checkout.session', 'session'),
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions/{session}/expire',
    handler: (ctx, { pathParams }) => {
      const cs = ctx.store.find(pathParams.session, 'checkout.session', 'session');
      if (cs.status !== 'open')
        throw StripeApiError.state(
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${cs.status}".`,
        );
      expireSession(ctx, cs);
      return cs;
    },
  },
];
