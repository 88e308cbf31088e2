/** Test helpers: a started emulator plus a real `stripe` SDK client pointed at it. */
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../../sandbox';

export interface StripeSandbox {
  emu: StripeEmulator;
  stripe: Stripe;
  /** raw HTTP call (for headers, replays and error shapes the SDK hides) */
  raw(method: string, path: string, form?: string, headers?: Record<string, string>): Promise<RawResponse>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

export const TEST_KEY = 'sk_test_ledgerline';

export function sdkFor(emu: StripeEmulator, key = TEST_KEY, extra: Stripe.StripeConfig = {}): Stripe {
  return new Stripe(key, {
    host: emu.host,
    port: emu.port,
    protocol: 'http',
    apiVersion: '2023-08-16' as Stripe.LatestApiVersion,
    maxNetworkRetries: 0,
    // request-metrics telemetry would pile up warnings in bursts; nothing reads it here
    telemetry: false,
    ...extra,
  });
}

export async function startSandbox(opts: StripeEmulatorOptions = {}): Promise<StripeSandbox> {
  const emu = await startStripeEmulator({ rateLimitScale: 0, ...opts });
  return {
    emu,
    stripe: sdkFor(emu),
    raw: async (method, path, form, headers = {}) => {
      const res = await fetch(emu.url + path, {
        method,
        body: form,
        headers: {
          Authorization: `Bearer ${TEST_KEY}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Stripe-Version': '2023-08-16',
          ...headers,
        },
      });
      const text = await res.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* HTML pages stay text */
      }
      return { status: res.status, headers: res.headers, body };
    },
  };
}
