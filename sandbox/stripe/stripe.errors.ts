/**
 * Stripe's error object: `{ error: { type, code?, decline_code?, param?, message, doc_url? } }`.
 * Handlers throw StripeApiError; the server turns it into the HTTP answer.
 */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'card_error' | 'idempotency_error' | 'authentication_error';
  code?: string;
  decline_code?: string;
  param?: string;
  message: string;
  doc_url?: string;
  payment_intent?: Record<string, unknown>;
  setup_intent?: Record<string, unknown>;
  charge?: string;
  payment_method?: Record<string, unknown>;
  request_log_url?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }

  static invalid(message: string, param?: string, code?: string): StripeApiError {
    return new StripeApiError(400, withDoc({ type: 'invalid_request_error', message, param, code }));
  }

  static missing(id: string, param = 'id'): StripeApiError {
    return new StripeApiError(
      404,
      withDoc({
        type: 'invalid_request_error',
        code: 'resource_missing',
        param,
        message: `No such ${noun(id)}: '${id}'`,
      }),
    );
  }

  static state(message: string, code?: string): StripeApiError {
    return new StripeApiError(400, withDoc({ type: 'invalid_request_error', code, message }));
  }
}

/** Stripe adds a doc_url for every coded error; the SDK exposes it, connectors may log it. */
export function withDoc(b: StripeErrorBody): StripeErrorBody {
  const out: StripeErrorBody = { ...b };
  for (const k of Object.keys(out) as (keyof StripeErrorBody)[]) if (out[k] === undefined) delete out[k];
  if (b.code) out.doc_url = `https://stripe.com/docs/error-codes/${b.code.replace(/_/g, '-')}`;
  return out;
}

const NOUNS: Record<string, string> = {
  cus: 'customer',
  pm: 'PaymentMethod',
  seti: 'setupintent',
  pi: 'payment_intent',
  cs: 'checkout.session',
  ch: 'charge',
  re: 'refund',
  dp: 'dispute',
  du: 'dispute',
  txn: 'balance transaction',
  po: 'payout',
  evt: 'event',
  we: 'webhook endpoint',
};

function noun(id: string): string {
  return NOUNS[id.split('_')[0]] ?? 'object';
}
