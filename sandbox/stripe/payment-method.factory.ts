/**
 * Builds PaymentMethod objects from raw card data, card tokens, `pm_card_*` shortcuts and
 * us_bank_account details, and resolves a `payment_method` parameter the way Stripe does
 * (a shortcut id creates a fresh PaymentMethod each time it is used).
 */
import { createHash } from 'node:crypto';
import type { EmulatorContext } from './stripe.context';
import { StripeApiError, withDoc } from './stripe.errors';
import { newId } from './stripe.store';
import { ACH_ACCOUNTS, lookupCard, shortcutCard, type TestCard } from './test-cards';
import type { StripeObject } from './stripe.types';

const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

function fingerprint(s: string) {
  return createHash('sha256').update(s).digest('base64url').slice(0, 16);
}

export function billingDetails(p: Record<string, any> | undefined) {
  return {
    address: { ...NULL_ADDRESS, ...(p?.address && p.address !== '' ? p.address : {}) },
    email: p?.email || null,
    name: p?.name || null,
    phone: p?.phone || null,
  };
}

export function cardPaymentMethod(
  ctx: EmulatorContext,
  tc: TestCard,
  p: Record<string, any> = {},
): StripeObject {
  const exp = (p.card ?? {}) as Record<string, any>;
  return {
    id: newId('pm'),
    object: 'payment_method',
    billing_details: billingDetails(p.billing_details),
    card: {
      brand: tc.brand,
      checks: {
        address_line1_check: null,
        address_postal_code_check: null,
        cvc_check: exp.cvc ? 'pass' : null,
      },
      country: 'US',
      exp_month: exp.exp_month ?? 12,
      exp_year: exp.exp_year ?? new Date(ctx.now()).getUTCFullYear() + 3,
      fingerprint: fingerprint(tc.number),
      funding: tc.funding,
      generated_from: null,
      last4: tc.number.slice(-4),
      networks: { available: [tc.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: ctx.nowSec(),
    customer: null,
    livemode: false,
    metadata: p.metadata && p.metadata !== '' ? { ...p.metadata } : {},
    type: 'card',
    __card: tc,
  };
}

export function bankPaymentMethod(ctx: EmulatorContext, p: Record<string, any>): StripeObject {
  const acct = (p.us_bank_account ?? {}) as Record<string, any>;
  if (!acct.account_number && !acct.financial_connections_account)
    throw StripeApiError.invalid(
      'Missing required param: us_bank_account[account_number].',
      'us_bank_account[account_number]',
      'parameter_missing',
    );
  if (!p.billing_details?.name)
    throw StripeApiError.invalid(
      'Missing required param: billing_details[name]. A name is required for us_bank_account PaymentMethods.',
      'billing_details[name]',
      'parameter_missing',
    );
  const number = String(acct.account_number ?? '000123456789');
  const routing = String(acct.routing_number ?? '110000000');
  if (!/^\d{9}$/.test(routing))
    throw StripeApiError.invalid(
      'Invalid routing number',
      'us_bank_account[routing_number]',
      'routing_number_invalid',
    );
  return {
    id: newId('pm'),
    object: 'payment_method',
    billing_details: billingDetails(p.billing_details),
    created: ctx.nowSec(),
    customer: null,
    livemode: false,
    metadata: p.metadata && p.metadata !== '' ? { ...p.metadata } : {},
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: acct.account_holder_type ?? 'individual',
      account_type: acct.account_type ?? 'checking',
      bank_name: 'STRIPE TEST BANK',
      financial_connections_account: null,
      fingerprint: fingerprint(routing + number),
      last4: number.slice(-4),
      networks: { preferred: 'ach', supported: ['ach'] },
      routing_number: routing,
      status_details: {},
    },
    __ach: ACH_ACCOUNTS[number] ?? { outcome: 'succeed' },
  };
}

/** Card parameters: `card[number]…` or `card[token]=tok_visa`. */
export function cardFromParams(p: Record<string, any>): TestCard {
  const c = (p.card ?? {}) as Record<string, any>;
  const number = c.token ? shortcutCard(String(c.token)) : (c.number as string | undefined);
  if (c.token && !number) throw StripeApiError.missing(String(c.token), 'card[token]');
  const tc = number ? lookupCard(number) : undefined;
  if (!tc)
    throw new StripeApiError(
      402,
      withDoc({
        type: 'card_error',
        code: 'incorrect_number',
        param: 'card[number]',
        message: 'Your card number is incorrect.',
      }),
    );
  return tc;
}

export function createPaymentMethod(ctx: EmulatorContext, p: Record<string, any>): StripeObject {
  let pm: StripeObject;
  if (p.type === 'card') pm = cardPaymentMethod(ctx, cardFromParams(p), p);
  else if (p.type === 'us_bank_account') pm = bankPaymentMethod(ctx, p);
  else
    throw StripeApiError.invalid(
      `The payment method type ${p.type} is not supported by this sandbox.`,
      'type',
    );
  return ctx.store.insert(pm);
}

/** `payment_method` parameter → stored PaymentMethod (shortcut ids mint a new one). */
export function resolvePaymentMethod(
  ctx: EmulatorContext,
  id: string,
  param = 'payment_method',
): StripeObject {
  const number = shortcutCard(id);
  if (number) return ctx.store.insert(cardPaymentMethod(ctx, lookupCard(number)!));
  return ctx.store.find(id, 'payment_method', param);
}

/** Inline `payment_method_data` on intents. */
export function paymentMethodFromData(ctx: EmulatorContext, data: Record<string, any>): StripeObject {
  return createPaymentMethod(ctx, data);
}

export function cardError(
  message: string,
  code: string,
  decline_code: string | undefined,
  extra: Record<string, unknown> = {},
): StripeApiError {
  return new StripeApiError(402, withDoc({ type: 'card_error', code, decline_code, message, ...extra }));
}
