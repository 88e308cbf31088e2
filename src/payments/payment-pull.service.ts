import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { type Db, isPglite } from '../app/database';
import { ConnectionRepository } from '../sync/connection.repository';
import type { SyncEngine } from '../sync/sync.engine';
import type { RateLimiter } from '../sync/rate-limiter';
import {
  Buffer,
  type Chunk,
  listInto,
  payoutsInto,
  type Positions,
  positionsOfLegacy,
  startPositions,
  type StreamName,
  STREAMS,
} from './backfill-streams';
import type { PaymentIngestService } from './payment-ingest.service';
import { PaymentRepository } from './payment.repository';
import {
  CursorExpiredError,
  paymentsOf,
  type PaymentSource,
  type ProcessorRecord,
  type SourcePage,
} from './payment-source.port';

const EVENTS = 'payments.events';
/** Present while a backfill runs: {start}; each list's position is in `${BACKFILL}.<list>`. */
const BACKFILL = 'payments.backfill';
const streamCursor = (name: StreamName) => `${BACKFILL}.${name}`;
/** Backfill list pages buffered ahead of the writer per list, and written together at most. */
const AHEAD = 16;
const BATCH_PAGES = 16;
/** Payouts whose balance transactions are listed at once, buffered, and written together at most. */
const PAYOUTS_PARALLEL = 4;
const PAYOUTS_AHEAD = 4;
const BATCH_PAYOUTS = 4;
/**
 * Limiter priorities: a list can only ask for its next page once the previous one came back, so
 * those single chains go first; the payouts' transaction lists (several at a time) fill the rest
 * of the allowance instead of leaving it idle.
 */
const PRIORITY: Record<StreamName | 'payout_txns', number> = {
  charge: 3,
  refund: 2,
  dispute: 2,
  payout: 1,
  payout_txns: 0,
};

export interface PullSummary {
  mode: 'events' | 'backfill';
  records: number;
  calls: number;
  created: number;
  updated: number;
  unchanged: number;
}

interface Run {
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
    if (!cursor || backfill) await this.backfill(run, backfill);
    else {
      try {
        await this.events(run, cursor);
      } catch (err) {
        if (!(err instanceof CursorExpiredError)) throw err;
        this.log?.info({ connectionId }, 'events cursor expired: list backfill');
        await this.backfill(run, null);
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

  private async payoutTxns(run: Run, payoutId: string, priority = 0) {
    const all: ProcessorRecord[] = [];
    let next: string | null = null;
    do {
      const page: SourcePage = await this.call(
        run,
        () => run.source.payoutTransactions(payoutId, next),
        priority,
      );
      all.push(...page.records);
      next = page.next;
    } while (next);
    return all;
  }

  /**
   * List backfill: every list streams at once (backfill-streams.ts) under the one rate limiter,
   * and two writers write what has arrived in short transactions, each saving its list's position
   * with its rows — a crash resumes every list where its writes stopped, without gaps or
   * duplicates. One writer takes payouts with their balance transactions, the other charges, then
   * refunds and disputes (they must find their payment). Charges wait for the payouts writer to
   * have passed their time (both lists run newest first), so a payment is born with its payout and
   * fee instead of being updated (audit, outbox) a moment later; a last relink in the closing
   * transaction catches whatever the two writers still crossed.
   */
  private async backfill(run: Run, saved: string | null): Promise<PullSummary> {
    run.summary.mode = 'backfill';
    const { start, positions } = await this.backfillStart(run, saved);
    const buffers = {} as Record<StreamName, Buffer>;
    for (const name of STREAMS) {
      buffers[name] = new Buffer(name === 'payout' ? PAYOUTS_AHEAD : AHEAD);
      const pos = positions[name];
      if (pos.done) {
        buffers[name].end();
        continue;
      }
      const page = (after: string | null) =>
        this.call(run, () => run.source.listPage(name, after), PRIORITY[name]);
      void (name === 'payout'
        ? payoutsInto(
            buffers[name],
            page,
            (id) => this.payoutTxns(run, id, PRIORITY.payout_txns),
            pos.after,
            PAYOUTS_PARALLEL,
          )
        : listInto(buffers[name], page, pos.after));
    }
    // The payouts writer's frontier: the oldest balance transaction it has written (ms).
    let frontier = Infinity;
    let payoutsDone = positions.payout.done;
    let stopped = false;
    const waiting: (() => void)[] = [];
    const moved = () => waiting.splice(0).forEach((w) => w());
    const payoutsWriter = async () => {
      for (let chunks; (chunks = await buffers.payout.next(BATCH_PAYOUTS));) {
        await this.writeBackfill(run, 'payout', chunks);
        for (const c of chunks)
          for (const r of c.records)
            if (r.kind === 'balance_transaction') frontier = Math.min(frontier, r.createdAt.getTime());
        moved();
      }
      payoutsDone = true;
      moved();
    };
    const listsWriter = async () => {
      for (let chunks; (chunks = await buffers.charge.next(BATCH_PAGES));) {
        const oldest = Math.min(...chunks.flatMap((c) => c.records.map((r) => r.createdAt.getTime())));
        while (!payoutsDone && !stopped && oldest < frontier) await new Promise<void>((r) => waiting.push(r));
        await this.writeBackfill(run, 'charge', chunks);
      }
      for (const name of ['refund', 'dispute'] as const)
        for (let chunks; (chunks = await buffers[name].next(BATCH_PAGES));)
          await this.writeBackfill(run, name, chunks);
    };
    const stopAll = () => {
      stopped = true;
      for (const b of Object.values(buffers)) b.abort();
      moved();
    };
    // Both writers settle before the pull answers (or fails): none may write after it.
    const results = await Promise.allSettled(
      [payoutsWriter(), listsWriter()].map((w) =>
        w.catch((err) => {
          stopAll();
          throw err;
        }),
      ),
    );
    stopAll();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await this.db.transaction(async (trx) => {
      const relinked = await this.ingest.relink(trx, run.connectionId, run.source.processor);
      run.summary.updated += relinked.updated;
      await trx('sync_cursors')
        .where({ connection_id: run.connectionId })
        .where('object', 'like', `${BACKFILL}%`)
        .delete();
      if (start) await this.setCursor(trx, run.connectionId, EVENTS, start);
    });
    // Events newer than the backfill's start may hold changes the lists already showed: harmless.
    if (start) await this.events(run, start);
    return run.summary;
  }

  /** A new backfill notes the newest event first; a resumed one reads where each list stopped. */
  private async backfillStart(run: Run, saved: string | null) {
    if (!saved) {
      const start = await this.call(run, () => run.source.latestEventId());
      await this.setCursor(this.db, run.connectionId, BACKFILL, JSON.stringify({ start }));
      return { start, positions: startPositions() };
    }
    const s = JSON.parse(saved) as { start?: string | null; kind?: StreamName; next?: string | null };
    if (s.kind) return { start: s.start ?? null, positions: positionsOfLegacy(s.kind, s.next ?? null) };
    const positions = startPositions();
    for (const name of STREAMS) {
      const pos = await this.cursor(this.db, run.connectionId, streamCursor(name));
      if (pos) positions[name] = JSON.parse(pos) as Positions[StreamName];
    }
    return { start: s.start ?? null, positions };
  }

  private async writeBackfill(run: Run, name: StreamName, chunks: Chunk[]) {
    const listed = chunks.flatMap((c) => c.records);
    // Payout chunks already carry their balance transactions; list pages may need completing.
    const records = name === 'payout' ? listed : await this.complete(run, listed);
    const next = chunks[chunks.length - 1].next;
    await this.db.transaction(async (trx) => {
      // No wait for the WAL flush at commit: a crash may lose the last few backfill commits, but
      // each carries its own cursor, so the resume lists those pages again (nothing half-written,
      // nothing doubled). A backfill makes hundreds of commits; each flush costs a disk round trip.
      if (!isPglite(this.db)) await trx.raw('set local synchronous_commit = off');
      await this.applyTo(trx, run, records, 'backfill');
      await this.setCursor(
        trx,
        run.connectionId,
        streamCursor(name),
        JSON.stringify({ after: next, done: next === null }),
      );
    });
    // The payouts' transactions grew this table by 100,000+ rows within seconds, faster than
    // autovacuum re-analyzes it: fresh statistics keep the payments' links to it on its indexes.
    if (name === 'payout' && next === null) await this.db.raw('analyze balance_transactions');
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
