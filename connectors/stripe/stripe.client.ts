import Stripe from 'stripe';
import { VendorError } from '../connector';
import { STRIPE_API_VERSION, type StripeCredentials, type StripeSettings } from './stripe.types';

/**
 * The real SDK, pinned to 2023-08-16, with its own retries off: the sync engine owns retries
 * (with the same idempotency key), pacing and backoff.
 */
export function createStripeClient(credentials: StripeCredentials, settings: StripeSettings): Stripe {
  return new Stripe(credentials.api_key, {
    // The SDK's types only know its newest version; we pin the one the connector was written for.
    apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
    maxNetworkRetries: 0,
    timeout: settings.timeout_ms,
    telemetry: false,
    ...(settings.host ? { host: settings.host } : {}),
    ...(settings.port ? { port: settings.port } : {}),
    ...(settings.protocol ? { protocol: settings.protocol } : {}),
  });
}

/** Classifies an SDK error once, so the engine can decide on retries without knowing Stripe. */
export function toVendorError(err: unknown): VendorError {
  if (err instanceof VendorError) return err;
  const e = err as Partial<Stripe.errors.StripeError> & { message?: string; type?: string };
  const status = e.statusCode;
  const message = e.message ?? String(err);
  const code = e.code ?? e.type ?? 'unknown';
  const retryAfterHeader = e.headers?.['retry-after'];
  const retryAfterMs = retryAfterHeader ? Number(retryAfterHeader) * 1000 : undefined;
  if (e.type === 'StripeConnectionError') {
    return new VendorError(
      /timed? ?out/i.test(message) ? 'timeout' : 'network',
      message,
      'connection',
      undefined,
    );
  }
  if (status === 429 || e.type === 'StripeRateLimitError')
    return new VendorError('rate_limited', message, code, retryAfterMs, status);
  if (status === 409) return new VendorError('conflict', message, code, retryAfterMs, status);
  if (status !== undefined && status >= 500)
    return new VendorError('server', message, code, retryAfterMs, status);
  if (status === 401 || e.type === 'StripeAuthenticationError')
    return new VendorError('auth', message, code, undefined, status);
  if (status === 404) return new VendorError('not_found', message, code, undefined, status);
  if (status === undefined) return new VendorError('network', message, code);
  return new VendorError('invalid', message, code, undefined, status);
}
