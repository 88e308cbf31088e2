import { resolve } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';

/**
 * Who has the published warehouse file open in this process, so an incremental refresh can
 * update it in place instead of copying it (a full copy + checkpoint was most of the refresh).
 *
 * DuckDB's file lock keeps other processes out while a writer has the file, but it does not
 * separate instances of one process: a read-only instance left open while a read-write one
 * changes the file would read pages that moved under it. So the in-place writer goes through
 * this gate:
 * 1. readers close their read-only instances once their in-flight queries end (new requests
 *    wait for the switch, which is a few milliseconds when nothing is running);
 * 2. the loader opens the file read-write and lends the instance to readers that can share it
 *    (reports): each request gets its own connection, and DuckDB's MVCC gives it the last
 *    committed state — the whole refresh is one transaction, so readers see the old warehouse
 *    until COMMIT and the new one after, never a mix. Readers with their own instance settings
 *    (the SQL sandbox: no external access, locked configuration) cannot borrow it and wait for
 *    the write to end instead (well under a second);
 * 3. after COMMIT the loader waits for borrowed connections to finish, checkpoints, closes the
 *    instance, and readers reopen the file read-only on their next request.
 * Another process that has the file open (a second service process, the dashboards build)
 * holds DuckDB's shared lock: opening read-write then fails and the loader falls back to the
 * copy-and-swap refresh, which never needs exclusive access.
 */
export interface ReaderHandle {
  /** Whether requests may run on the loader's read-write instance while it writes. */
  readonly shareWriter: boolean;
  /** Close the read-only instance once idle (resolves when closed; new opens wait on the gate). */
  closeWhenIdle(): Promise<void>;
}

interface Gate {
  readers: Set<ReaderHandle>;
  /** Set while the loader switches instances: readers wait before opening or borrowing. */
  switching: Promise<void> | null;
  writer: { instance: DuckDBInstance; refs: number; idle: (() => void) | null } | null;
  /** Resolves when the current in-place write ends (readers that cannot share wait on it). */
  done: Promise<void> | null;
}

const gates = new Map<string, Gate>();

function gate(path: string): Gate {
  const key = resolve(path);
  let g = gates.get(key);
  if (!g) {
    g = { readers: new Set(), switching: null, writer: null, done: null };
    gates.set(key, g);
  }
  return g;
}

export function registerReader(path: string, reader: ReaderHandle): () => void {
  const g = gate(path);
  g.readers.add(reader);
  return () => g.readers.delete(reader);
}

export interface Borrowed {
  instance: DuckDBInstance;
  release(): void;
}

/**
 * For a reader about to open or use its instance, decided synchronously so nothing can slip in
 * between the decision and the reader's own (synchronous) start of its open: `wait` (a switch,
 * or a write the reader cannot share, is under way: await and ask again), `borrow` (the
 * loader's instance while an in-place write runs), or `own` (open the file read-only as usual).
 */
export function readerAccess(
  path: string,
  reader: ReaderHandle,
): { wait: Promise<void> } | { borrow: Borrowed } | { own: true } {
  const g = gate(path);
  if (g.switching) return { wait: g.switching };
  if (!g.writer) return { own: true };
  if (!reader.shareWriter) return { wait: g.done ?? Promise.resolve() };
  const w = g.writer;
  w.refs++;
  return {
    borrow: {
      instance: w.instance,
      release: () => {
        w.refs--;
        if (w.refs === 0) w.idle?.();
      },
    },
  };
}

/**
 * Runs `write` on the published file opened read-write in place (see above). `open` opens the
 * instance; if it throws (another process holds the file), readers are let go again and the
 * error propagates so the caller can fall back. `finish` runs after the readers left the
 * instance (checkpoint, close).
 */
export async function withInPlaceWriter<T>(
  path: string,
  open: () => Promise<DuckDBInstance>,
  write: (instance: DuckDBInstance) => Promise<T>,
  finish: (instance: DuckDBInstance) => Promise<void>,
): Promise<T> {
  const g = gate(path);
  if (g.switching || g.writer) throw new Error('an in-place warehouse write is already running');
  let endWrite!: () => void;
  g.done = new Promise((r) => (endWrite = r));
  let endSwitch!: () => void;
  g.switching = new Promise((r) => (endSwitch = r));
  let instance: DuckDBInstance | null = null;
  try {
    await Promise.all([...g.readers].map((r) => r.closeWhenIdle()));
    instance = await open();
    g.writer = { instance, refs: 0, idle: null };
  } catch (err) {
    g.switching = null;
    endSwitch();
    g.done = null;
    endWrite();
    throw err;
  }
  g.switching = null;
  endSwitch();
  try {
    return await write(instance);
  } finally {
    // Stop lending, let borrowed connections finish, then checkpoint and close.
    g.switching = new Promise((r) => (endSwitch = r));
    const w = g.writer;
    if (w.refs > 0) await new Promise<void>((r) => (w.idle = r));
    try {
      await finish(instance);
    } finally {
      g.writer = null;
      g.switching = null;
      endSwitch();
      g.done = null;
      endWrite();
    }
  }
}
