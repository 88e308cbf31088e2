import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Db } from '../app/database';
import { ConnectionRepository } from '../sync/connection.repository';
import type { SyncEngine } from '../sync/sync.engine';
import type { RateLimiter } from '../sync/rate-limiter';
import type { PaymentIngestService } from './payment-ingest.service';
import { BACKFILL, EVENTS, PaymentBackfill } from './payment-backfill';
import { PaymentRepository } from './payment.repository';
import {
  CursorExpiredError,
  paymentsOf,
  type PaymentSource,
  type ProcessorRecord,
  type SourcePage,
} from './payment-source.port';

export interface PullSummary {
  mode: 'events' | 'backfill';
  records: number;
  calls: number;
  created: number;
  updated: number;
  unchanged: number;
}

export interface Run {
  db: Knex;
  connectionId: number;
  source: PaymentSource;
  limiter: RateLimiter;
  summary: PullSummary;
}

/**
 * Pulls a processor's money objects into the hub: events after the cursor (Stripe keeps 30 days),
 * or a list backfill when there is no cursor or it expired. The backfill notes the newest event
 * before it starts and resumes the events from there, so nothing created meanwhile is missed;
 * its position is saved per page, so a crash resumes where it stopped. Webhooks only wake this
 * (single-flight per connection; a wake during a run makes one more run).
 */
export class PaymentPullService {
  private readonly repo = new PaymentRepository();
  private readonly running = new Map<number, Promise<PullSummary>>();
  private readonly again = new Set<number>();
  private readonly rewinds = new Set<number>();
  private stopping = false;

  constructor(
    private readonly db: Knex,
    private readonly engine: SyncEngine,
    private readonly ingest: PaymentIngestService,
    private readonly log?: Logger,
  ) {}

  /** Fire-and-forget: the webhook answers at once, the pull runs behind it. */
  wake(connectionId: number) {
    if (this.running.has(connectionId)) {
      this.again.add(connectionId);
      return;
    }
    this.pull(connectionId).catch((err) => this.log?.warn({ err, connectionId }, 'payments pull failed'));
  }

  /**
   * Runs the pull of one connection, or joins the running one: a request during a run makes that
   * run go round once more, so the caller's answer covers everything before its request.
   */
  pull(connectionId: number, opts: { rewind?: boolean } = {}): Promise<PullSummary> {
    // Rewind = forget both cursors and list everything again: for history written at past times
    // (sandbox seed) that an events cursor already beyond it would never show. Taken up by the
    // next pullOnce, inside the single flight, so a running pull cannot save a cursor after it.
    if (this.stopping)
      return Promise.reject(new Error('payments pull refused: the service is shutting down'));
    if (opts.rewind) this.rewinds.add(connectionId);
    const current = this.running.get(connectionId);
    if (current) {
      this.again.add(connectionId);
      return current;
    }
    const p = (async () => {
      let summary: PullSummary;
      do {
        this.again.delete(connectionId);
        summary = await this.pullOnce(connectionId);
      } while (this.again.has(connectionId) && !this.stopping);
      return summary;
    })().finally(() => {
      this.running.delete(connectionId);
      this.again.delete(connectionId);
    });
    this.running.set(connectionId, p);
    return p;
  }

  /** Waits for every running pull (tests). */
  async idle() {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Shutdown: running pulls stop at their next vendor call (queued calls fail fast) instead of
   * finishing a backfill that can take minutes under a rate limit; every page written so far is
   * behind its saved cursor, so the next start resumes from there.
   */
  async stop() {
    this.stopping = true;
    await this.idle();
  }

  private async pullOnce(connectionId: number): Promise<PullSummary> {
    const connection = await new ConnectionRepository().get(this.db, connectionId);
    if (!connection || connection.archived_at) throw new Error(`connection ${connectionId} not found`);
    const ctx = await this.engine.pool.context(this.db, connection);
    const payments = paymentsOf(ctx.connector);
    if (!payments)
      throw new Error(`connection ${connectionId} (${connection.vendor}) does not collect payments`);
    const summary: PullSummary = {
      mode: 'events',
      records: 0,
      calls: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
    };
    const run: Run = { db: this.db, connectionId, source: payments.source, limiter: ctx.limiter, summary };
    if (this.rewinds.delete(connectionId))
      await this.db('sync_cursors')
        .where({ connection_id: connectionId })
        .where((q) => {
          void q.where('object', EVENTS).orWhere('object', 'like', `${BACKFILL}%`);
        })
        .delete();
    const cursor = await this.cursor(this.db, connectionId, EVENTS);
    const backfill = await this.cursor(this.db, connectionId, BACKFILL);
    const startedAt = new Date();
    if (!cursor || backfill) await this.runBackfill(run, backfill);
    else {
      try {
        await this.events(run, cursor);
      } catch (err) {
        if (!(err instanceof CursorExpiredError)) throw err;
        this.log?.info({ connectionId }, 'events cursor expired: list backfill');
        await this.runBackfill(run, null);
      }
    }
    // Every event stored before this pull started is now behind the cursor (a backfill listed
    // the state after them, then read the events since its start).
    await this.db('webhook_events')
      .where({ connection_id: connectionId })
      .whereNull('processed_at')
      .where('received_at', '<', startedAt)
      .update({ processed_at: this.db.fn.now() });
    return summary;
  }

  private call<T>(run: Run, fn: () => Promise<T>, priority = 0): Promise<T> {
    const stopped = () => new Error('payments pull stopped: the service is shutting down');
    if (this.stopping) return Promise.reject(stopped());
    run.summary.calls++;
    return run.limiter.run(() => (this.stopping ? Promise.reject(stopped()) : fn()), { priority });
  }

  private async events(run: Run, cursor: string) {
    for (;;) {
      const page = await this.call(run, () => run.source.eventsAfter(cursor));
      const records = page.events.map((e) => e.record).filter((r): r is ProcessorRecord => r !== null);
      const full = await this.complete(run, records);
      await this.db.transaction(async (trx) => {
        await this.applyTo(trx, run, full, 'events');
        await this.setCursor(trx, run.connectionId, EVENTS, page.cursor);
        if (page.events.length)
          await trx('webhook_events')
            .where({ vendor: run.source.processor })
            .whereIn(
              'event_id',
              page.events.map((e) => e.id),
            )
            .whereNull('processed_at')
            .update({ processed_at: trx.fn.now() });
      });
      if (!page.hasMore || page.cursor === cursor) return;
      cursor = page.cursor!;
    }
  }

  /**
   * Event snapshots lack what composition and fees need: payouts bring their balance
   * transactions, settled charges their fee, and refunds/disputes of a payment the hub has not
   * seen bring that payment first.
   */
  private async complete(run: Run, records: ProcessorRecord[]): Promise<ProcessorRecord[]> {
    const out: ProcessorRecord[] = [];
    const inBatch = new Set(records.filter((r) => r.kind === 'payment').map((r) => r.externalId));
    const referenced = records
      .filter((r) => r.kind === 'refund' || r.kind === 'dispute')
      .map((r) => (r as { chargeExternalId: string }).chargeExternalId)
      .filter((id) => !inBatch.has(id));
    const known = await this.repo.knownChargeIds(this.db, run.source.processor, referenced);
    for (const id of new Set(referenced.filter((c) => !known.has(c))))
      out.push(await this.call(run, () => run.source.retrieveCharge(id)));
    for (const r of records) {
      if (r.kind === 'payment' && r.feeMinor === null && r.balanceTxnId && r.status === 'succeeded') {
        const fee = await this.call(run, () => run.source.retrieveFee(r.balanceTxnId!));
        out.push({ ...r, feeMinor: fee });
      } else out.push(r);
      if (r.kind === 'payout') out.push(...(await this.payoutTxns(run, r.externalId)));
    }
    return out;
  }

  /** `priority` is asked again for every page: a chain's standing may change while it runs. */
  private async payoutTxns(run: Run, payoutId: string, priority: () => number = () => 0) {
    const all: ProcessorRecord[] = [];
    let next: string | null = null;
    do {
      const page: SourcePage = await this.call(
        run,
        () => run.source.payoutTransactions(payoutId, next),
        priority(),
      );
      all.push(...page.records);
      next = page.next;
    } while (next);
    return all;
  }

  private runBackfill(run: Run, saved: string | null) {
    return new PaymentBackfill({
      db: this.db,
      run,
      call: (fn, priority) => this.call(run, fn, priority),
      payoutTxns: (id, priority) => this.payoutTxns(run, id, priority),
      knownCharges: (ids) => this.repo.knownChargeIds(this.db, run.source.processor, ids),
      complete: (records) => this.complete(run, records),
      apply: (trx, records) => this.applyTo(trx, run, records, 'backfill'),
      relink: async (trx) => (await this.ingest.relink(trx, run.connectionId, run.source.processor)).updated,
      events: (start) => this.events(run, start),
      setCursor: (db, object, cursor) => this.setCursor(db, run.connectionId, object, cursor),
      cursor: (object) => this.cursor(this.db, run.connectionId, object),
    }).run(saved);
  }

  private async applyTo(trx: Knex.Transaction, run: Run, records: ProcessorRecord[], source: string) {
    const c = await this.ingest.apply(trx, run.connectionId, run.source.processor, records, source);
    run.summary.records += records.length;
    run.summary.created += c.created;
    run.summary.updated += c.updated;
    run.summary.unchanged += c.unchanged;
    await this.recompose(trx, run, records);
  }

  /** Payout composition (gross, fees, refunds, chargebacks, net) from its balance transactions. */
  private async recompose(trx: Knex.Transaction, run: Run, records: ProcessorRecord[]) {
    const ids = new Set<string>();
    for (const r of records) {
      if (r.kind === 'payout') ids.add(r.externalId);
      else if (r.kind === 'balance_transaction' && r.payoutExternalId) ids.add(r.payoutExternalId);
    }
    await this.ingest.payouts.recompose(trx, run.source.processor, [...ids]);
  }

  async cursor(db: Db, connectionId: number, object: string): Promise<string | null> {
    const row = await db('sync_cursors').where({ connection_id: connectionId, object }).first('cursor');
    return row?.cursor ?? null;
  }

  private async setCursor(trx: Db, connectionId: number, object: string, cursor: string | null) {
    if (cursor === null) {
      await trx('sync_cursors').where({ connection_id: connectionId, object }).delete();
      return;
    }
    await trx('sync_cursors')
      .insert({ connection_id: connectionId, object, cursor, updated_at: trx.fn.now() })
      .onConflict(['connection_id', 'object'])
      .merge(['cursor', 'updated_at']);
  }
}
