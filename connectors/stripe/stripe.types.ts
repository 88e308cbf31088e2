import { z } from 'zod';

/** The Stripe API version this connector is written against (fields read exist in spec3.yaml). */
export const STRIPE_API_VERSION = '2023-08-16';

export const stripeCredentials = z.strictObject({
  api_key: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_test_…)'),
  webhook_secret: z.string().startsWith('whsec_', 'must be a webhook signing secret (whsec_…)').optional(),
});

export const stripeSettings = z.strictObject({
  /** Point the SDK at the sandbox emulator (or a proxy); defaults to api.stripe.com over https. */
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  protocol: z.enum(['http', 'https']).optional(),
  timeout_ms: z.number().int().min(100).max(120_000).default(30_000),
  /** Multiplies Stripe's request rate (25/s test, 100/s live); the emulator takes the same factor. */
  rate_limit_scale: z.number().positive().max(1000).default(1),
  retry_base_ms: z.number().int().min(1).max(60_000).default(250),
  retry_max_ms: z.number().int().min(1).max(300_000).default(8_000),
  max_attempts: z.number().int().min(1).max(20).default(8),
});

export type StripeCredentials = z.output<typeof stripeCredentials>;
export type StripeSettings = z.output<typeof stripeSettings>;

/** The fields of a Stripe customer this connector reads (all present in spec3.yaml and fixtures3.json). */
export interface StripeCustomerRead {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name?: string | null;
  metadata: Record<string, string>;
  deleted?: boolean;
}
