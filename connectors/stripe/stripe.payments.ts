import type Stripe from 'stripe';
import {
  balanceTxnToRecord,
  chargeToPayment,
  disputeToRecord,
  eventToRecord,
  payoutToRecord,
  refundToRecord,
} from '../../mappings/stripe/payments.inbound';
import {
  type BalanceTxnRecord,
  type ChargeRecord,
  CursorExpiredError,
  type EventsPage,
  type ListKind,
  type PaymentSource,
  type ProcessorRecord,
  type SourcePage,
} from '../../src/payments/payment-source.port';
import { toVendorError } from './stripe.client';

type Obj = Record<string, any>;

/**
 * Reads charges, refunds, disputes, payouts and balance transactions for the payments module:
 * by the events cursor (Stripe keeps 30 days) and by list backfill beyond it. Lists ask for 100
 * objects per call and expand charges' balance transactions, so one call brings 100 payments
 * with their fees (the calls-per-record figure of the bench).
 */
export class StripePaymentSource implements PaymentSource {
  readonly processor = 'stripe';

  constructor(private readonly stripe: Stripe) {}

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toVendorError(err);
    }
  }

  async latestEventId(): Promise<string | null> {
    const page = await this.call(() => this.stripe.events.list({ limit: 1 }));
    return page.data[0]?.id ?? null;
  }

  async eventsAfter(cursor: string): Promise<EventsPage> {
    let page: Stripe.ApiList<Stripe.Event>;
    try {
      page = await this.stripe.events.list({ limit: 100, ending_before: cursor });
    } catch (err) {
      const e = err as { statusCode?: number; code?: string };
      // The cursor event is past Stripe's 30-day retention: only a list backfill can catch up.
      if (e.statusCode === 404 || e.code === 'resource_missing')
        throw new CursorExpiredError(`event ${cursor} is no longer available`);
      throw toVendorError(err);
    }
    const oldestFirst = [...page.data].reverse();
    return {
      events: oldestFirst.map((e) => ({
        id: e.id,
        type: e.type,
        record: mirrored(e.type) ? eventToRecord(e as unknown as Obj) : null,
      })),
      cursor: oldestFirst.length ? oldestFirst[oldestFirst.length - 1].id : cursor,
      hasMore: page.has_more,
    };
  }

  async listPage(kind: ListKind, next: string | null): Promise<SourcePage> {
    const params = { limit: 100, ...(next ? { starting_after: next } : {}) };
    const page: { data: Obj[]; has_more: boolean } = await this.call(async () => {
      switch (kind) {
        case 'charge':
          return this.stripe.charges.list({ ...params, expand: ['data.balance_transaction'] });
        case 'refund':
          return this.stripe.refunds.list(params);
        case 'dispute':
          return this.stripe.disputes.list({ ...params, expand: ['data.balance_transactions'] });
        case 'payout':
          return this.stripe.payouts.list(params);
      }
    });
    const map: (o: Obj) => ProcessorRecord =
      kind === 'charge'
        ? chargeToPayment
        : kind === 'refund'
          ? refundToRecord
          : kind === 'dispute'
            ? disputeToRecord
            : payoutToRecord;
    const last = page.data[page.data.length - 1];
    return { records: page.data.map(map), next: page.has_more && last ? last.id : null };
  }

  async payoutTransactions(payoutId: string, next: string | null): Promise<SourcePage<BalanceTxnRecord>> {
    const page = await this.call(() =>
      this.stripe.balanceTransactions.list({
        payout: payoutId,
        limit: 100,
        ...(next ? { starting_after: next } : {}),
      }),
    );
    const last = page.data[page.data.length - 1];
    return {
      records: page.data.map((bt) => balanceTxnToRecord(bt as unknown as Obj, payoutId)),
      next: page.has_more && last ? last.id : null,
    };
  }

  async retrieveCharge(id: string): Promise<ChargeRecord> {
    const ch = await this.call(() => this.stripe.charges.retrieve(id, { expand: ['balance_transaction'] }));
    return chargeToPayment(ch);
  }

  async retrieveFee(balanceTxnId: string): Promise<number> {
    const bt = await this.call(() => this.stripe.balanceTransactions.retrieve(balanceTxnId));
    return bt.fee;
  }
}

/** Event types whose object the hub mirrors (charges carry the money; intents only point at them). */
function mirrored(type: string): boolean {
  return type.startsWith('charge.') || type.startsWith('refund.') || type.startsWith('payout.');
}
