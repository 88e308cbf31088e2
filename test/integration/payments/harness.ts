import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../sandbox/stripe';
import { startTestService, type TestService } from '../../support/service';

export const WEBHOOK_SECRET = 'whsec_payments_test_secret_0123456789';

export interface Harness {
  svc: TestService;
  emu: StripeEmulator;
  stripe: Stripe;
  connectionId: number;
  close(): Promise<void>;
}

/** The service on a fresh database, a Stripe emulator, and a Stripe connection pointing at it. */
export async function startHarness(
  opts: { rateLimitScale?: number; settings?: Record<string, unknown>; env?: Record<string, string> } = {},
) {
  const emu = await startStripeEmulator({
    webhookSecret: WEBHOOK_SECRET,
    rateLimitScale: opts.rateLimitScale ?? 0,
  });
  const svc = await startTestService({
    env: { LEDGERLINE_SECRET_KEY: randomBytes(32).toString('base64'), ...opts.env },
  });
  const res = await svc.request('POST', '/api/v1/connections', {
    body: {
      name: 'Stripe test',
      vendor: 'stripe',
      credentials: { api_key: 'sk_test_payments', webhook_secret: WEBHOOK_SECRET },
      settings: { host: emu.host, port: emu.port, protocol: 'http', ...opts.settings },
    },
  });
  if (res.status !== 201) throw new Error(`connection: ${res.status} ${JSON.stringify(res.body)}`);
  const stripe = new Stripe('sk_test_payments', {
    host: emu.host,
    port: emu.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
  });
  return {
    svc,
    emu,
    stripe,
    connectionId: res.body.id as number,
    async close() {
      await svc.close();
      await emu.close();
    },
  } satisfies Harness;
}

export async function pull(h: Harness) {
  const res = await h.svc.request('POST', '/api/v1/payments/pull', {
    body: { connection_id: h.connectionId },
  });
  if (res.status >= 300) throw new Error(`pull: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function pay(h: Harness, amount: number, currency: string, pm = 'pm_card_visa', metadata = {}) {
  return h.stripe.paymentIntents.create({ amount, currency, payment_method: pm, confirm: true, metadata });
}
