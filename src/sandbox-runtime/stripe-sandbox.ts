import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../sandbox/stripe';
import { SYSTEM_ACTOR } from '../app/auth/access';
import type { AppConfig } from '../app/config';
import { ConnectionRepository } from '../sync/connection.repository';
import type { SyncEngine } from '../sync/sync.engine';

const SANDBOX_NAME = 'Stripe sandbox';
const SANDBOX_KEY = 'sk_test_ledgerline_sandbox';

export interface StripeRuntime {
  connectionId: number;
  emulator?: StripeEmulator;
}

/**
 * "Sandbox by default": with STRIPE_SECRET_KEY a "Stripe" connection uses real Stripe; without it
 * (and with the demo on) the Stripe emulator runs in-process on its own local port and a
 * "Stripe sandbox" connection points at it (its port is refreshed at each start). The emulator
 * keeps its state in memory: after a restart the pull finds its cursor gone and re-lists.
 */
export async function startStripeRuntime(
  db: Knex,
  engine: SyncEngine,
  config: AppConfig,
  log: Logger,
): Promise<StripeRuntime | null> {
  const repo = new ConnectionRepository();
  const existing = async (name: string) =>
    (await repo.list(db)).find((c) => c.vendor === 'stripe' && c.name === name);
  if (config.stripeSecretKey) {
    const credentials = {
      api_key: config.stripeSecretKey,
      ...(config.stripeWebhookSecret ? { webhook_secret: config.stripeWebhookSecret } : {}),
    };
    const found = await existing('Stripe');
    const row = found
      ? await engine.connections.update(SYSTEM_ACTOR, found.id, { credentials })
      : await engine.connections.create(SYSTEM_ACTOR, { name: 'Stripe', vendor: 'stripe', credentials });
    return { connectionId: row.id };
  }
  if (!config.demo) return null;
  if (!config.secretKey) {
    log.warn('Stripe sandbox not started: LEDGERLINE_SECRET_KEY is needed to store its connection');
    return null;
  }
  // Stable across restarts, so events signed before a restart still verify.
  const webhookSecret = `whsec_${createHash('sha256').update(`${config.secretKey}:stripe-sandbox`).digest('hex').slice(0, 32)}`;
  const emulator = await startStripeEmulator({ port: 0, webhookSecret });
  const settings = { host: emulator.host, port: emulator.port, protocol: 'http' };
  const credentials = { api_key: SANDBOX_KEY, webhook_secret: webhookSecret };
  const found = await existing(SANDBOX_NAME);
  const row = found
    ? await engine.connections.update(SYSTEM_ACTOR, found.id, { settings, credentials })
    : await engine.connections.create(SYSTEM_ACTOR, {
        name: SANDBOX_NAME,
        vendor: 'stripe',
        credentials,
        settings,
      });
  const stripe = new Stripe(SANDBOX_KEY, {
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: 0,
  });
  await stripe.webhookEndpoints.create({
    url: `http://127.0.0.1:${config.port}/api/v1/webhooks/stripe`,
    enabled_events: ['*'],
  });
  log.info({ url: emulator.url, connection: row.id }, 'Stripe sandbox running (no STRIPE_SECRET_KEY)');
  return { connectionId: row.id, emulator };
}

/** Months of demo money in the sandbox, then one pull: runs in the background after listening. */
export async function seedDemoPayments(
  db: Knex,
  runtime: StripeRuntime,
  pull: (connectionId: number) => Promise<unknown>,
  log: Logger,
) {
  if (!runtime.emulator) return;
  const any = await db('payments').where({ processor: 'stripe' }).first('id');
  if (!any) {
    const made = runtime.emulator.control.seedHistory({
      charges: 1500,
      days: 120,
      refundEvery: 15,
      disputeEvery: 60,
      achEvery: 6,
    });
    log.info(made, 'demo Stripe history generated in the sandbox');
  }
  await pull(runtime.connectionId);
}
