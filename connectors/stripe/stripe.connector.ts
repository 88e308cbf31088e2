import type Stripe from 'stripe';
import type {
  Capability,
  Connector,
  ConnectorFactory,
  ExternalRef,
  PullPage,
  PushItem,
  PushResult,
  RateLimitPolicy,
  Reference,
  WebhookEvent,
} from '../connector';
import { VendorError } from '../connector';
import type { Clock } from '../../src/app/clock';
import { createStripeClient, toVendorError } from './stripe.client';
import { StripePaymentSource } from './stripe.payments';
import { StripePaymentProcessor } from './stripe.processor';
import {
  stripeCredentials,
  type StripeCredentials,
  type StripeCustomerRead,
  stripeSettings,
  type StripeSettings,
} from './stripe.types';

const CAPABILITIES: Capability[] = [
  { object: 'contact', target: 'customer', directions: ['push'], ops: ['create', 'update', 'archive'] },
  { object: 'company', target: 'customer', directions: ['push'], ops: ['create', 'update', 'archive'] },
];

/**
 * Contacts and companies as Stripe customers.
 *
 * Archive = an update that sets `metadata.ledgerline_archived = "true"` (restore clears it); we never
 * DELETE a Stripe customer: deletion is irreversible, detaches saved payment methods and makes
 * charges, refunds and disputes of that customer lose their owner, which finance still needs to
 * reconcile. The flag keeps history intact and lets a restore in the hub come back cleanly.
 */
export class StripeConnector implements Connector {
  readonly vendor = 'stripe';
  readonly capabilities = CAPABILITIES;
  readonly rateLimit: RateLimitPolicy;
  private readonly stripe: Stripe;
  /** Money movement and money reads for the payments module (src/payments), on this client. */
  readonly payments: { source: StripePaymentSource; processor: StripePaymentProcessor };

  constructor(
    private readonly credentials: StripeCredentials,
    settings: StripeSettings,
    client?: Stripe,
    /** Webhook timestamps are checked against this clock (one Clock serves service and emulator in tests). */
    private readonly clock?: Clock,
  ) {
    this.stripe = client ?? createStripeClient(credentials, settings);
    this.payments = {
      source: new StripePaymentSource(this.stripe),
      processor: new StripePaymentProcessor(this.stripe),
    };
    // Stripe: 25 requests/s in test mode, 100/s live; one factor scales it (emulator uses the same).
    const perSecond = (credentials.api_key.includes('_live_') ? 100 : 25) * settings.rate_limit_scale;
    this.rateLimit = {
      concurrency: Math.max(1, Math.min(64, Math.ceil(perSecond / 2))),
      intervalMs: 1000,
      intervalCap: Math.max(1, Math.floor(perSecond)),
      maxAttempts: settings.max_attempts,
      baseDelayMs: settings.retry_base_ms,
      maxDelayMs: settings.retry_max_ms,
    };
  }

  async push(object: string, items: PushItem[]): Promise<PushResult[]> {
    this.assertObject(object);
    // Stripe has no batch endpoint: one request per item, each with its own key.
    return Promise.all(items.map((item) => this.pushOne(item)));
  }

  private async pushOne(item: PushItem): Promise<PushResult> {
    try {
      const opts = { idempotencyKey: item.idempotencyKey };
      const customer =
        item.op === 'create'
          ? await this.stripe.customers.create(forCreate(item.payload), opts)
          : await this.stripe.customers.update(item.externalId!, forUpdate(item.payload), opts);
      return { ok: true, externalId: customer.id };
    } catch (err) {
      return { ok: false, error: toVendorError(err) };
    }
  }

  /**
   * Finds the customer carrying our reference. A list by email comes first because it is strongly
   * consistent (Stripe's search index lags by up to a minute); search by metadata covers records
   * without an email. Only customers whose metadata names exactly this record count.
   */
  async findByReference(
    object: string,
    ref: Reference,
    payload: Record<string, unknown>,
  ): Promise<ExternalRef | null> {
    this.assertObject(object);
    const mine = (c: StripeCustomerRead) =>
      !c.deleted &&
      c.metadata?.ledgerline_id === String(ref.localId) &&
      c.metadata?.ledgerline_object === ref.object;
    try {
      const email = typeof payload.email === 'string' ? payload.email : null;
      if (email) {
        for await (const c of this.stripe.customers.list({ email, limit: 100 })) {
          if (mine(c as StripeCustomerRead)) return { externalId: c.id };
        }
      }
      const query = `metadata['ledgerline_id']:'${ref.localId}' AND metadata['ledgerline_object']:'${ref.object}'`;
      const found = await this.stripe.customers.search({ query, limit: 10 });
      const hit = (found.data as StripeCustomerRead[]).find(mine);
      return hit ? { externalId: hit.id } : null;
    } catch (err) {
      throw toVendorError(err);
    }
  }

  /**
   * A sweep of all customers, one page per call: Stripe lists newest first and the cursor is the
   * last customer id of the previous page (`starting_after`); null once the list is exhausted.
   * Used to mirror customers into external_records and to notice hard deletes (ids no longer seen).
   */
  async pull(object: string, cursor: string | null): Promise<PullPage> {
    this.assertObject(object);
    try {
      const page = await this.stripe.customers.list({
        limit: 100,
        ...(cursor ? { starting_after: cursor } : {}),
      });
      const data = page.data as StripeCustomerRead[];
      return {
        records: data.map((c) => ({
          externalId: c.id,
          reference: c.metadata?.ledgerline_id ?? null,
          status: c.metadata?.ledgerline_archived === 'true' ? 'archived' : 'active',
          date: new Date(c.created * 1000).toISOString().slice(0, 10),
          data: { email: c.email, name: c.name ?? null, metadata: c.metadata },
        })),
        nextCursor: page.has_more && data.length ? data[data.length - 1].id : null,
      };
    } catch (err) {
      throw toVendorError(err);
    }
  }

  verifyWebhook(rawBody: string, headers: Record<string, string | string[] | undefined>): WebhookEvent {
    if (!this.credentials.webhook_secret)
      throw new VendorError('signature', 'this connection has no webhook secret');
    const sig = headers['stripe-signature'];
    try {
      const event = this.stripe.webhooks.constructEvent(
        rawBody,
        String(sig ?? ''),
        this.credentials.webhook_secret,
        undefined,
        undefined,
        // stripe-node takes receivedAt in milliseconds
        this.clock ? this.clock.now().getTime() : undefined,
      );
      return { id: event.id, type: event.type, payload: event as unknown as Record<string, unknown> };
    } catch (err) {
      throw new VendorError('signature', (err as Error).message);
    }
  }

  private assertObject(object: string) {
    if (!CAPABILITIES.some((c) => c.object === object))
      throw new VendorError('invalid', `the Stripe connector cannot handle ${object}`, 'unsupported_object');
  }
}

/** Create: nulls are omitted (Stripe's default is "not set"), empty nested objects dropped. */
export function forCreate(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const inner = forCreate(v as Record<string, unknown>);
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/** Update: null means "clear it", which Stripe spells as an empty string (a whole empty address too). */
export function forUpdate(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (k !== 'metadata' && entries.every(([, x]) => x === null)) out[k] = '';
      else out[k] = Object.fromEntries(entries.map(([ik, x]) => [ik, x === null ? '' : x]));
    } else out[k] = v === null ? '' : v;
  }
  return out;
}

export const stripeConnectorFactory: ConnectorFactory<StripeCredentials, StripeSettings> = {
  vendor: 'stripe',
  capabilities: CAPABILITIES,
  credentials: stripeCredentials,
  settings: stripeSettings,
  create: ({ credentials, settings, clock }) => new StripeConnector(credentials, settings, undefined, clock),
};
