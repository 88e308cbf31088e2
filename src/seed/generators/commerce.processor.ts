import type { Knex } from 'knex';
import { BulkWriter, day, iso, rng } from './bulk.writer';

/**
 * What the payment processor adds to generated card payments, so the warehouse's refund,
 * dispute and payout marts have realistic data: refunds (full and partial), disputes (won, lost,
 * open), one balance transaction per charge / refund / dispute movement, and daily payouts per
 * currency made of the transactions available that day (arrival = available day = event + 2).
 * Written per invoice chunk (payouts first: transactions reference them); payout amounts and
 * their own `payout` transactions are set in SQL at the end (sums over their transactions).
 * The random stream is consumed the same way whether or not the tables exist (migration 0007),
 * so invoices and payments never depend on it.
 */
export class ProcessorRecords {
  private refunds: unknown[][] = [];
  private disputes: unknown[][] = [];
  private txns: unknown[][] = [];
  private payouts: unknown[][] = [];
  private readonly payoutIds = new Map<string, number>();
  private nextRefund = 0;
  private nextDispute = 0;
  private nextTxn = 0;
  private nextPayout = 0;
  private firstPayout = 0;
  readonly counts = { refunds: 0, disputes: 0, payouts: 0, balance_transactions: 0 };

  private constructor(
    private readonly w: BulkWriter,
    private readonly enabled: boolean,
    private readonly seed: number,
    private readonly anchor: number,
    private readonly dayMs: number,
  ) {}

  static async create(db: Knex, w: BulkWriter, seed: number, anchor: number, dayMs: number) {
    const enabled = await db.schema.hasTable('balance_transactions');
    const p = new ProcessorRecords(w, enabled, seed, anchor, dayMs);
    if (enabled) {
      p.nextRefund = await w.nextId('refunds');
      p.nextDispute = await w.nextId('disputes');
      p.nextTxn = await w.nextId('balance_transactions');
      p.nextPayout = p.firstPayout = await w.nextId('payouts');
    }
    return p;
  }

  private payout(currency: string, availableMs: number): number {
    const arrival = day(availableMs);
    const key = `${currency}|${arrival}`;
    let id = this.payoutIds.get(key);
    if (id === undefined) {
      id = this.nextPayout++;
      this.payoutIds.set(key, id);
      const initiated = iso(availableMs - 2 * this.dayMs);
      this.payouts.push([
        id,
        'stripe',
        `seed${this.seed}_po_${id}`,
        0,
        currency,
        availableMs > this.anchor ? 'in_transit' : 'paid',
        arrival,
        initiated,
        initiated,
        initiated,
      ]);
    }
    return id;
  }

  private txn(
    category: string,
    links: [number | null, number | null, number | null],
    amount: number,
    fee: number,
    currency: string,
    at: number,
  ) {
    const id = this.nextTxn++;
    const available = at + 2 * this.dayMs;
    this.txns.push([
      id,
      'stripe',
      `seed${this.seed}_txn_${id}`,
      category === 'dispute' ? 'adjustment' : category,
      category,
      ...links,
      this.payout(currency, available),
      amount,
      fee,
      amount - fee,
      currency,
      iso(at),
      day(available),
      iso(at),
    ]);
  }

  /**
   * A successful payment: its charge transaction (card only) and maybe a refund or dispute.
   * Returns the payment's final status and when it last changed.
   */
  payment(
    r: ReturnType<typeof rng>,
    p: {
      id: number;
      amount: number;
      fee: number;
      currency: string;
      card: boolean;
      at: number;
      factor: number;
    },
  ): { status: 'succeeded' | 'refunded' | 'partially_refunded' | 'disputed'; updatedAt: number } {
    const roll = r.next();
    const reason = r.next() < 0.5 ? 'requested_by_customer' : null;
    const refundAt = p.at + r.int(3, 30) * this.dayMs;
    const partial = Math.max(1, Math.round(p.amount * (0.2 + r.next() * 0.3)));
    const disputeAt = p.at + r.int(5, 60) * this.dayMs;
    const outcome = r.weighted([
      ['won', 40],
      ['lost', 45],
      ['needs_response', 15],
    ] as Array<[string, number]>);
    const status =
      roll < 0.03
        ? 'refunded'
        : roll < 0.05
          ? 'partially_refunded'
          : roll < 0.054 && p.card
            ? 'disputed'
            : 'succeeded';
    const updatedAt =
      status === 'refunded' || status === 'partially_refunded'
        ? refundAt
        : status === 'disputed'
          ? disputeAt
          : p.at;
    if (!this.enabled) return { status, updatedAt };
    const links = (payment: number, refund: number | null = null, dispute: number | null = null) =>
      [payment, refund, dispute] as [number | null, number | null, number | null];
    if (p.card) this.txn('charge', links(p.id), p.amount, p.fee, p.currency, p.at);
    if (status === 'refunded' || status === 'partially_refunded') {
      const amount = status === 'refunded' ? p.amount : partial;
      const id = this.nextRefund++;
      // A refund asked for after the end of the history is still pending.
      const pending = refundAt > this.anchor;
      this.refunds.push([
        id,
        p.id,
        amount,
        p.currency,
        pending ? 'pending' : 'succeeded',
        reason,
        iso(refundAt),
        iso(refundAt),
        iso(refundAt),
      ]);
      if (p.card && !pending) this.txn('refund', links(p.id, id), -amount, 0, p.currency, refundAt);
    }
    if (status === 'disputed') {
      const id = this.nextDispute++;
      const fee = Math.round(1500 * p.factor);
      const open = disputeAt > this.anchor - 14 * this.dayMs;
      const final = open ? 'needs_response' : outcome === 'needs_response' ? 'lost' : outcome;
      this.disputes.push([
        id,
        p.id,
        p.amount,
        p.currency,
        final,
        'fraudulent',
        'stripe',
        `seed${this.seed}_dp_${id}`,
        fee,
        iso(disputeAt),
        iso(disputeAt),
        iso(disputeAt),
      ]);
      this.txn('dispute', links(p.id, null, id), -p.amount, fee, p.currency, disputeAt);
      // Won: the funds come back (the dispute fee stays with the processor).
      if (final === 'won')
        this.txn('dispute', links(p.id, null, id), p.amount, 0, p.currency, disputeAt + 20 * this.dayMs);
    }
    return { status, updatedAt };
  }

  /** Writes what the chunk produced (after its payments). */
  async flush() {
    if (!this.enabled) return;
    const w = this.w;
    await w.write(
      'payouts',
      [
        'id',
        'processor',
        'processor_id',
        'amount_minor',
        'currency',
        'status',
        'arrival_date',
        'initiated_at',
        'created_at',
        'updated_at',
      ],
      this.payouts,
    );
    await w.write(
      'refunds',
      [
        'id',
        'payment_id',
        'amount_minor',
        'currency',
        'status',
        'reason',
        'refunded_at',
        'created_at',
        'updated_at',
      ],
      this.refunds,
    );
    await w.write(
      'disputes',
      [
        'id',
        'payment_id',
        'amount_minor',
        'currency',
        'status',
        'reason',
        'processor',
        'processor_id',
        'fee_minor',
        'opened_at',
        'created_at',
        'updated_at',
      ],
      this.disputes,
    );
    await w.write(
      'balance_transactions',
      [
        'id',
        'processor',
        'processor_id',
        'type',
        'category',
        'payment_id',
        'refund_id',
        'dispute_id',
        'payout_id',
        'amount_minor',
        'fee_minor',
        'net_minor',
        'currency',
        'occurred_at',
        'available_on',
        'updated_at',
      ],
      this.txns,
    );
    this.counts.payouts += this.payouts.length;
    this.counts.refunds += this.refunds.length;
    this.counts.disputes += this.disputes.length;
    this.counts.balance_transactions += this.txns.length;
    this.payouts = [];
    this.refunds = [];
    this.disputes = [];
    this.txns = [];
  }

  /** Payout amounts = sum of their transactions' nets; each payout's own (negative) transaction. */
  async finish(db: Knex) {
    if (!this.enabled) return;
    const [lo, hi] = [this.firstPayout, this.nextPayout - 1];
    if (hi < lo) return;
    await db.raw(
      `update payouts p set amount_minor = s.net
       from (select payout_id, sum(net_minor) as net from balance_transactions
             where payout_id between ? and ? group by payout_id) s
       where s.payout_id = p.id`,
      [lo, hi],
    );
    const base = this.nextTxn;
    await db.raw(
      `insert into balance_transactions (id, processor, processor_id, type, category, payout_id, amount_minor,
         fee_minor, net_minor, currency, occurred_at, available_on, updated_at)
       select ? + (p.id - ?), 'stripe', concat('seed', ?::text, '_txn_', ? + (p.id - ?)), 'payout', 'payout', p.id,
              -p.amount_minor, 0, -p.amount_minor, p.currency, p.initiated_at, p.arrival_date, p.updated_at
       from payouts p where p.id between ? and ?`,
      [base, lo, this.seed, base, lo, lo, hi],
    );
    this.counts.balance_transactions += hi - lo + 1;
    for (const t of ['refunds', 'disputes', 'payouts', 'balance_transactions']) await this.w.syncSequence(t);
  }
}
