import type { Knex } from 'knex';
import { type Db, isPglite } from '../app/database';
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
import type { PullSummary, Run } from './payment-pull.service';
import type { ProcessorRecord } from './payment-source.port';

export const EVENTS = 'payments.events';
/** Present while a backfill runs: {start}; each list's position is in `${BACKFILL}.<list>`. */
export const BACKFILL = 'payments.backfill';
const streamCursor = (name: StreamName) => `${BACKFILL}.${name}`;

/** Backfill list pages buffered ahead of the writer per list, and written together at most. */
const AHEAD = 16;
const BATCH_PAGES = 16;
/** Payouts whose balance transactions are listed at once, buffered, and written together at most. */
const PAYOUTS_PARALLEL = 12;
const PAYOUTS_AHEAD = 12;
const BATCH_PAYOUTS = 8;
/**
 * Limiter priorities: a list can only ask for its next page once the previous one came back, so
 * those single chains go first; the payouts' transaction lists (several at a time, the first in
 * list order first) fill the rest of the allowance instead of leaving it idle. The transactions of
 * the first payout still listing (the one the payouts writer waits for) go even before the charges
 * while the charges list has passed that payout's time: both lists then move back through time
 * together, and both writers work all along instead of one of them being left with its whole
 * history to write after the last call.
 */
const PRIORITY: Record<StreamName | 'payout_txns' | 'payout_behind', number> = {
  payout_behind: 4,
  charge: 3,
  refund: 2,
  dispute: 2,
  payout: 1,
  payout_txns: 0,
};

/** What the backfill needs of the pull it runs in (payment-pull.service.ts). */
export interface BackfillSteps {
  db: Knex;
  run: Run;
  /** A vendor call through the connection's limiter (higher priority goes first). */
  call<T>(fn: () => Promise<T>, priority?: number): Promise<T>;
  /** A payout's balance transactions, each page asking `priority` when it queues. */
  payoutTxns(payoutId: string, priority: () => number): Promise<ProcessorRecord[]>;
  /** Of these charge ids, those the hub already has (a resumed backfill wrote them before). */
  knownCharges(ids: string[]): Promise<Set<string>>;
  /** Fetches what list records lack (fees, unknown charges). */
  complete(records: ProcessorRecord[]): Promise<ProcessorRecord[]>;
  apply(trx: Knex.Transaction, records: ProcessorRecord[]): Promise<void>;
  /** The closing relink; returns the rows it updated. */
  relink(trx: Knex.Transaction): Promise<number>;
  events(start: string): Promise<void>;
  setCursor(db: Db, object: string, cursor: string | null): Promise<void>;
  cursor(object: string): Promise<string | null>;
}

/** The charges a refunds or disputes chunk refers to. */
const linkedCharges = (chunk: Chunk) =>
  chunk.records.flatMap((r) => (r.kind === 'refund' || r.kind === 'dispute' ? [r.chargeExternalId] : []));

/** One list backfill of one connection (see run). */
export class PaymentBackfill {
  private analyzed = false;

  constructor(private readonly s: BackfillSteps) {}

  /**
   * List backfill: every list streams at once (backfill-streams.ts) under the one rate limiter,
   * and two writers write what has arrived in short transactions, each saving its list's position
   * with its rows — a crash resumes every list where its writes stopped, without gaps or
   * duplicates. One writer takes payouts with their balance transactions, the other charges and,
   * after each batch of them, the refunds and disputes whose payments are in. Charges wait for the payouts writer to
   * have passed their time (both lists run newest first), so a payment is born with its payout and
   * fee instead of being updated (audit, outbox) a moment later; a last relink in the closing
   * transaction catches whatever the two writers still crossed.
   */
  async run(saved: string | null): Promise<PullSummary> {
    const { run } = this.s;
    run.summary.mode = 'backfill';
    const { start, positions } = await this.start(saved);
    const buffers = {} as Record<StreamName, Buffer>;
    for (const name of STREAMS) {
      buffers[name] = new Buffer(name === 'payout' ? PAYOUTS_AHEAD : AHEAD);
      const pos = positions[name];
      if (pos.done) {
        buffers[name].end();
        continue;
      }
      const page = async (after: string | null) => {
        const listed = await this.s.call(() => run.source.listPage(name, after), PRIORITY[name]);
        for (const r of listed.records)
          if (r.kind === 'payout') this.payoutTimes.set(r.externalId, r.createdAt.getTime());
          else if (r.kind === 'payment') this.chargesAt = Math.min(this.chargesAt, r.createdAt.getTime());
        if (name === 'charge' && !listed.next) this.chargesAt = -Infinity;
        return listed;
      };
      void (name === 'payout'
        ? payoutsInto(buffers[name], page, (id) => this.payoutTxns(id), pos.after, PAYOUTS_PARALLEL)
        : listInto(buffers[name], page, pos.after));
    }
    // The payouts writer's frontier: the oldest balance transaction it has written (ms).
    let frontier = Infinity;
    let payoutsDone = positions.payout.done;
    let stopped = false;
    const waiting: (() => void)[] = [];
    const moved = () => waiting.splice(0).forEach((w) => w());
    let payoutsWriting = false;
    const payoutsWriter = async () => {
      for (let chunks; (chunks = await buffers.payout.next(BATCH_PAYOUTS));) {
        payoutsWriting = true;
        await this.write('payout', chunks);
        payoutsWriting = false;
        for (const c of chunks)
          for (const r of c.records)
            if (r.kind === 'balance_transaction') frontier = Math.min(frontier, r.createdAt.getTime());
        moved();
      }
      payoutsDone = true;
      moved();
    };
    // Refunds and disputes are written beside the charges, as soon as their charges are in:
    // written after all charges, their lists would stall on full buffers and end in a tail of
    // one page after another at the full rate's pace, each then a round trip.
    const known = new Set<string>();
    const checked = new WeakSet<Chunk>();
    const chargesIn = async (chunk: Chunk) => {
      let missing = linkedCharges(chunk).filter((id) => !known.has(id));
      if (missing.length && !checked.has(chunk)) {
        checked.add(chunk);
        for (const id of await this.s.knownCharges(missing)) known.add(id);
        missing = missing.filter((id) => !known.has(id));
      }
      return missing.length === 0;
    };
    const writeLinked = async (chargesDone: boolean) => {
      for (const name of ['refund', 'dispute'] as const) {
        const buffer = buffers[name];
        for (;;) {
          const taken: Chunk[] = [];
          for (let head; taken.length < BATCH_PAGES && (head = buffer.peek()); taken.push(buffer.take()))
            if (!chargesDone && !(await chargesIn(head))) break;
          if (!taken.length) break;
          await this.write(name, taken);
        }
      }
    };
    const listsWriter = async () => {
      for (let chunks; (chunks = await buffers.charge.next(BATCH_PAGES));) {
        const oldest = Math.min(...chunks.flatMap((c) => c.records.map((r) => r.createdAt.getTime())));
        // Only while the payouts writer has units in hand (it is behind on writing, not on
        // listing): under a rate limit it waits for pages, and holding charges back then would
        // stall their list too.
        while (!payoutsDone && !stopped && oldest < frontier && (payoutsWriting || buffers.payout.size > 0))
          await new Promise<void>((r) => waiting.push(r));
        await this.write('charge', chunks);
        for (const c of chunks) for (const r of c.records) known.add(r.externalId);
        await writeLinked(false);
      }
      known.clear();
      await writeLinked(true);
      for (const name of ['refund', 'dispute'] as const)
        for (let chunks; (chunks = await buffers[name].next(BATCH_PAGES));) await this.write(name, chunks);
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
    await this.s.db.transaction(async (trx) => {
      run.summary.updated += await this.s.relink(trx);
      await trx('sync_cursors')
        .where({ connection_id: run.connectionId })
        .where('object', 'like', `${BACKFILL}%`)
        .delete();
      if (start) await this.s.setCursor(trx, EVENTS, start);
    });
    // Events newer than the backfill's start may hold changes the lists already showed: harmless.
    if (start) await this.s.events(start);
    return run.summary;
  }

  /** A new backfill notes the newest event first; a resumed one reads where each list stopped. */
  private async start(saved: string | null) {
    const { run } = this.s;
    if (!saved) {
      const start = await this.s.call(() => run.source.latestEventId());
      await this.s.setCursor(this.s.db, BACKFILL, JSON.stringify({ start }));
      return { start, positions: startPositions() };
    }
    const s = JSON.parse(saved) as { start?: string | null; kind?: StreamName; next?: string | null };
    if (s.kind) return { start: s.start ?? null, positions: positionsOfLegacy(s.kind, s.next ?? null) };
    const positions = startPositions();
    for (const name of STREAMS) {
      const pos = await this.s.cursor(streamCursor(name));
      if (pos) positions[name] = JSON.parse(pos) as Positions[StreamName];
    }
    return { start: s.start ?? null, positions };
  }

  /** Payouts whose transactions are listing, in list order (the first is the writer's next). */
  private readonly listing: string[] = [];
  /** Creation times of the payouts listed (ms). */
  private readonly payoutTimes = new Map<string, number>();
  /** The oldest charge listed so far (ms; -Infinity once the list is done). */
  private chargesAt = Infinity;

  private async payoutTxns(id: string) {
    this.listing.push(id);
    const priority = () => {
      const at = this.listing.indexOf(id);
      if (at === 0 && (this.payoutTimes.get(id) ?? -Infinity) > this.chargesAt) return PRIORITY.payout_behind;
      return PRIORITY.payout_txns - at;
    };
    try {
      return await this.s.payoutTxns(id, priority);
    } finally {
      this.listing.splice(this.listing.indexOf(id), 1);
      this.payoutTimes.delete(id);
    }
  }

  private async write(name: StreamName, chunks: Chunk[]) {
    const listed = chunks.flatMap((c) => c.records);
    // Payout chunks already carry their balance transactions; list pages may need completing.
    const records = name === 'payout' ? listed : await this.s.complete(listed);
    const next = chunks[chunks.length - 1].next;
    await this.s.db.transaction(async (trx) => {
      // No wait for the WAL flush at commit: a crash may lose the last few backfill commits, but
      // each carries its own cursor, so the resume lists those pages again (nothing half-written,
      // nothing doubled). A backfill makes hundreds of commits; each flush costs a disk round trip.
      if (!isPglite(this.s.db)) await trx.raw('set local synchronous_commit = off');
      await this.s.apply(trx, records);
      await this.s.setCursor(trx, streamCursor(name), JSON.stringify({ after: next, done: next === null }));
    });
    // The payouts' transactions grow this table by 100,000+ rows within seconds, faster than
    // autovacuum re-analyzes it: fresh statistics keep the payments' links to it on its indexes.
    // Once after the first payouts (a never-analyzed table got a plan costing ~660 ms per 100
    // refunds) and once at the end.
    if (name === 'payout' && (!this.analyzed || next === null)) {
      this.analyzed = true;
      await this.s.db.raw('analyze balance_transactions');
    }
  }
}
