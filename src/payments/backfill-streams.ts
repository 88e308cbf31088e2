import type { ListKind, ProcessorRecord, SourcePage } from './payment-source.port';

/**
 * The backfill lists charges, refunds, disputes and payouts (with each payout's balance
 * transactions) as independent streams, all at once, under the connection's one rate limiter:
 * while one list waits for its next page, the others' requests use the allowance. Each stream
 * fills a small bounded buffer ahead of its writer, which takes what has arrived and writes it in
 * short transactions, each with the stream's new position (its own sync_cursors row).
 */

/** Where a stream stands: `after` = the list cursor to continue from; `done` once written to the end. */
export interface StreamPosition {
  after: string | null;
  done: boolean;
}

export type StreamName = ListKind;
export const STREAMS: StreamName[] = ['charge', 'refund', 'dispute', 'payout'];
export type Positions = Record<StreamName, StreamPosition>;

export const startPositions = (): Positions =>
  Object.fromEntries(STREAMS.map((k) => [k, { after: null, done: false }])) as Positions;

/**
 * The positions a cursor of the former one-list-at-a-time format ({kind, next, start}) stands
 * for: lists before `kind` were done, `kind` continues after `next`, later ones had not begun.
 */
export function positionsOfLegacy(kind: ListKind, next: string | null): Positions {
  const at = STREAMS.indexOf(kind);
  return Object.fromEntries(
    STREAMS.map((k, i) => [k, { after: i === at ? next : null, done: i < at }]),
  ) as Positions;
}

/** What the writer takes: records, and the stream's position once they are written. */
export interface Chunk {
  records: ProcessorRecord[];
  next: string | null;
}

export class Aborted extends Error {
  constructor() {
    super('backfill stream stopped');
  }
}

/** A bounded queue between one producer and its writer. */
export class Buffer {
  private readonly items: Chunk[] = [];
  private closed = false;
  private failure: Error | null = null;
  private aborted = false;
  private space: (() => void)[] = [];
  private ready: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async put(chunk: Chunk) {
    while (this.items.length >= this.capacity && !this.aborted)
      await new Promise<void>((r) => this.space.push(r));
    if (this.aborted) throw new Aborted();
    this.items.push(chunk);
    wakeAll(this.ready);
  }

  end(err?: unknown) {
    this.closed = true;
    if (err && !(err instanceof Aborted))
      this.failure = err instanceof Error ? err : new Error(JSON.stringify(err));
    wakeAll(this.ready);
  }

  /** Producer and writer stop (the other writer failed, or the pull is over). */
  abort() {
    this.aborted = true;
    wakeAll(this.space);
    wakeAll(this.ready);
  }

  /** Chunks listed and not yet taken. */
  get size() {
    return this.items.length;
  }

  /** The next chunk the writer would take, if one has arrived (left in place). */
  peek(): Chunk | undefined {
    if (this.aborted) throw new Aborted();
    return this.items[0];
  }

  /** Takes the chunk `peek` showed (the writer is the only taker, so it is still first). */
  take(): Chunk {
    if (this.aborted) throw new Aborted();
    const [chunk] = this.items.splice(0, 1);
    wakeAll(this.space);
    return chunk;
  }

  /**
   * Up to `max` chunks once some have arrived; null once the list was read to its end and all
   * of it taken. A producer failure surfaces here after the chunks it listed before failing.
   */
  async next(max: number): Promise<Chunk[] | null> {
    for (;;) {
      if (this.aborted) throw new Aborted();
      if (this.items.length) {
        const taken = this.items.splice(0, max);
        wakeAll(this.space);
        return taken;
      }
      if (this.failure) throw this.failure;
      if (this.closed) return null;
      await new Promise<void>((r) => this.ready.push(r));
    }
  }
}

function wakeAll(waiting: (() => void)[]) {
  for (const w of waiting.splice(0)) w();
}

/** Pages a cursor-listed collection into `buffer` from `after` to its end. */
export async function listInto(
  buffer: Buffer,
  fetch: (after: string | null) => Promise<SourcePage>,
  after: string | null,
) {
  try {
    do {
      const page = await fetch(after);
      await buffer.put({ records: page.records, next: page.next });
      after = page.next;
    } while (after);
    buffer.end();
  } catch (err) {
    buffer.end(err);
  }
}

/**
 * Pages the payouts list and, for each payout, all its balance transactions (`parallel` payouts
 * at a time), handing the writer one payout with its transactions per chunk, in list order: its
 * position is that payout's id (the list continues after it), or the page's cursor after the
 * page's last payout.
 */
export async function payoutsInto(
  buffer: Buffer,
  fetch: (after: string | null) => Promise<SourcePage>,
  transactions: (payoutId: string) => Promise<ProcessorRecord[]>,
  after: string | null,
  parallel: number,
) {
  try {
    do {
      const page = await fetch(after);
      const started = new Map<number, Promise<ProcessorRecord[]>>();
      const start = (i: number) => {
        if (started.has(i)) return;
        const p = transactions(page.records[i].externalId);
        // Awaited in order below; an early failure must not count as unhandled meanwhile.
        p.catch(() => undefined);
        started.set(i, p);
      };
      for (let i = 0; i < page.records.length; i++) {
        for (let j = i; j < Math.min(page.records.length, i + parallel); j++) start(j);
        const txns = await started.get(i)!;
        const last = i === page.records.length - 1;
        await buffer.put({
          records: [page.records[i], ...txns],
          next: last ? page.next : page.records[i].externalId,
        });
      }
      after = page.next;
    } while (after);
    buffer.end();
  } catch (err) {
    buffer.end(err);
  }
}
