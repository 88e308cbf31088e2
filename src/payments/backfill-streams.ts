import type { ListKind, ProcessorRecord, SourcePage } from './payment-source.port';

/**
 * The backfill lists charges, refunds, disputes and payouts (with each payout's balance
 * transactions) as independent streams, all at once, under the connection's one rate limiter:
 * while one list waits for its next page, the others' requests use the allowance. Each stream
 * fills a small bounded buffer ahead of the single writer, which takes what has arrived and
 * writes it in short transactions, each with the stream's new position.
 */

/** Where a stream stands: `after` = the list cursor to continue from; `done` once written to the end. */
export interface StreamPosition {
  after: string | null;
  done: boolean;
}

export type StreamName = ListKind;
export const STREAMS: StreamName[] = ['charge', 'refund', 'dispute', 'payout'];

export interface BackfillState {
  /** The newest event before the backfill started: the events cursor resumes from it. */
  start: string | null;
  streams: Record<StreamName, StreamPosition>;
}

/** Reads a saved state; a cursor of the former one-list-at-a-time format ({kind, next, start}) too. */
export function parseState(saved: string): BackfillState {
  const s = JSON.parse(saved) as Partial<BackfillState> & { kind?: ListKind; next?: string | null };
  if (s.streams) return s as BackfillState;
  const at = STREAMS.indexOf(s.kind ?? 'charge');
  const streams = Object.fromEntries(
    STREAMS.map((k, i) => [k, { after: i === at ? (s.next ?? null) : null, done: i < at }]),
  ) as Record<StreamName, StreamPosition>;
  return { start: s.start ?? null, streams };
}

export function freshState(start: string | null): BackfillState {
  const streams = Object.fromEntries(STREAMS.map((k) => [k, { after: null, done: false }]));
  return { start, streams: streams as Record<StreamName, StreamPosition> };
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

/** A bounded queue between one producer and the writer; `changed` wakes the writer. */
export class Buffer {
  private readonly items: Chunk[] = [];
  private closed = false;
  private failure: Error | null = null;
  private aborted = false;
  private space: (() => void)[] = [];

  constructor(
    private readonly capacity: number,
    private readonly changed: () => void,
  ) {}

  async put(chunk: Chunk) {
    while (this.items.length >= this.capacity && !this.aborted)
      await new Promise<void>((r) => this.space.push(r));
    if (this.aborted) throw new Aborted();
    this.items.push(chunk);
    this.changed();
  }

  end(err?: unknown) {
    this.closed = true;
    if (err && !(err instanceof Aborted))
      this.failure = err instanceof Error ? err : new Error(JSON.stringify(err));
    this.changed();
  }

  /** The producer stops at its next put (the writer gave up). */
  abort() {
    this.aborted = true;
    this.release();
  }

  get size() {
    return this.items.length;
  }

  /** Written to the end: closed without error and drained. */
  get finished() {
    return this.closed && !this.failure && !this.items.length;
  }

  /** Up to `max` buffered chunks; a producer failure surfaces here once its chunks are taken. */
  take(max: number): Chunk[] {
    if (!this.items.length && this.failure) throw this.failure;
    const taken = this.items.splice(0, max);
    this.release();
    return taken;
  }

  private release() {
    const waiting = this.space;
    this.space = [];
    for (const w of waiting) w();
  }
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
