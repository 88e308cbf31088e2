import { resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  WAREHOUSE_PATH: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGERLINE_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  LEDGERLINE_DEMO: bool.default(true),
  /** AES-256-GCM key for connection credentials: 32 bytes, base64 or hex (openssl rand -base64 32). */
  LEDGERLINE_SECRET_KEY: z.string().min(1).optional(),
  ORG_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Paris'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(104857600).default(1048576),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Ledgerline <billing@ledgerline.localhost>'),
  PUBLIC_BASE_URL: z.url('must be a URL such as https://billing.example.com').optional(),
  /** Real Stripe (sk_live_…/sk_test_…); without it the bundled Stripe sandbox runs in-process. */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key (sk_…)')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .startsWith('whsec_', 'must be a webhook signing secret (whsec_…)')
    .optional(),
  /** Where the daily payout summary goes (finance). */
  PAYOUT_SUMMARY_TO: z.email('must be an email address').optional(),
});

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  pgliteDir: string;
  warehousePath: string;
  logLevel: string;
  adminKey?: string;
  demo: boolean;
  secretKey?: string;
  orgTimezone: string;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** Billing mail goes over SMTP when set; otherwise it stays in email_outbox with a log line. */
  smtpUrl?: string;
  mailFrom: string;
  /** Base of links sent to customers (pay pages); defaults to http://localhost:PORT. */
  publicBaseUrl: string;
  stripeSecretKey?: string;
  stripeWebhookSecret?: string;
  payoutSummaryTo?: string;
}

export class ConfigError extends Error {}

/** Validates the environment once at start; the message names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteDir: resolve(dataDir, 'pg'),
    warehousePath: resolve(e.WAREHOUSE_PATH ?? resolve(dataDir, 'warehouse.duckdb')),
    logLevel: e.LOG_LEVEL,
    adminKey: e.LEDGERLINE_ADMIN_KEY,
    demo: e.LEDGERLINE_DEMO,
    secretKey: e.LEDGERLINE_SECRET_KEY,
    orgTimezone: e.ORG_TIMEZONE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    stripeSecretKey: e.STRIPE_SECRET_KEY,
    stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET,
    payoutSummaryTo: e.PAYOUT_SUMMARY_TO,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
  };
}
