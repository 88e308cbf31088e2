import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../sandbox/stripe';
import { SYSTEM_ACTOR } from '../app/auth/access';
import type { AppConfig } from '../app/config';
import { ConnectionRepository } from '../sync/connection.repository';
import { resolveSecretKey } from '../sync/secret-key.file';
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
  // On the embedded default a key file is made once in DATA_DIR (see secret-key.file.ts); on
  // PostgreSQL without LEDGERLINE_SECRET_KEY credentials cannot be stored, so no sandbox.
  const secretKey = resolveSecretKey(config);
  if (!secretKey) {
    log.warn(
      'Stripe sandbox not started: with DATABASE_URL, LEDGERLINE_SECRET_KEY must be set to store its connection credentials',
    );
    return null;
  }
  // Stable across restarts, so events signed before a restart still verify.
  const webhookSecret = `whsec_${createHash('sha256').update(`${secretKey}:stripe-sandbox`).digest('hex').slice(0, 32)}`;
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

/**
 * The Stripe customers the sync engine made for the demo contacts: the scheduler pushes the
 * contacts created by the demo seed (outbox → deliveries → customers) within a round or two.
 * Waits for those links (bounded) so the demo history belongs to real contacts; without them
 * the history is still made, only ownerless.
 */
async function demoCustomers(
  db: Knex,
  connectionId: number,
  waitMs: number,
  stopped: () => boolean,
): Promise<string[]> {
  const [{ n }] = await db('contacts').whereNull('archived_at').count({ n: '*' });
  const want = Math.min(Number(n), 50);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const links = await db('external_links')
      .where({ connection_id: connectionId, object: 'contact', state: 'linked' })
      .whereNotNull('external_id')
      .orderBy('local_id')
      .limit(50)
      .pluck('external_id');
    if (links.length >= want || Date.now() > deadline || stopped()) return links as string[];
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Months of demo money in the sandbox, then one pull: runs in the background after listening. */
export async function seedDemoPayments(
  db: Knex,
  runtime: StripeRuntime,
  pull: (connectionId: number, opts: { rewind?: boolean }) => Promise<unknown>,
  log: Logger,
  opts: { customerWaitMs?: number; stopped?: () => boolean } = {},
) {
  const stopped = opts.stopped ?? (() => false);
  if (!runtime.emulator) return;
  const any = await db('payments').where({ processor: 'stripe' }).first('id');
  if (!any) {
    const customers = await demoCustomers(db, runtime.connectionId, opts.customerWaitMs ?? 30_000, stopped);
    // Shutting down: leave the history for the next start (it is generated when none is pulled yet).
    if (stopped()) return;
    const made = runtime.emulator.control.seedHistory({
      charges: 1500,
      days: 120,
      refundEvery: 15,
      disputeEvery: 60,
      achEvery: 6,
      customers,
    });
    log.info({ ...made, customers: customers.length }, 'demo Stripe history generated in the sandbox');
  }
  // Always from the start: the history's events are dated in the past, behind any events cursor a
  // webhook-woken pull already saved, and after a restart the cursors name objects of the
  // previous (in-memory) emulator.
  const summary = await pull(runtime.connectionId, { rewind: true });
  log.info({ summary }, 'demo Stripe history pulled');
}
