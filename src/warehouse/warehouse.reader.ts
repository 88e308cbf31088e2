import { statSync } from 'node:fs';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { readerAccess, registerReader, type ReaderHandle } from '../../warehouse/access';
import { Problem } from '../app/problem';

interface Open {
  key: string;
  instance: DuckDBInstance;
  refs: number;
  stale: boolean;
  /** Resolves when a stale instance has been closed. */
  closed: Promise<void>;
  onClosed: () => void;
}

/**
 * Read-only access to the published warehouse file. A full load publishes by rename and an
 * in-place incremental refresh changes the file (size, mtime), so a new file key means a new
 * warehouse: the next request opens it, and the old instance closes once its in-flight queries
 * are done. While the loader updates the file in place (warehouse/access.ts), requests borrow
 * its instance and read the last committed state (shareWriter), or wait for it to finish.
 */
export class PublishedReader implements ReaderHandle {
  private current: Open | null = null;
  private opening: Promise<Open> | null = null;
  private readonly unregister: () => void;

  constructor(
    private readonly path: string,
    private readonly options: Record<string, string> = {},
    /** A reader with its own instance settings (the SQL sandbox) cannot borrow the loader's. */
    readonly shareWriter = Object.keys(options).length === 0,
  ) {
    this.unregister = registerReader(path, this);
  }

  private fileKey(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch {
      throw new Problem(
        409,
        'warehouse-not-ready',
        'The warehouse has not been built yet: POST /api/v1/warehouse/refresh.',
      );
    }
  }

  private retire(open: Open) {
    open.stale = true;
    if (open.refs === 0) {
      open.instance.closeSync();
      open.onClosed();
    }
  }

  private async acquire(): Promise<Open> {
    const key = this.fileKey();
    if (this.current && this.current.key === key) {
      this.current.refs++;
      return this.current;
    }
    this.opening ??= (async () => {
      const instance = await DuckDBInstance.create(this.path, { access_mode: 'READ_ONLY', ...this.options });
      const old = this.current;
      let onClosed!: () => void;
      const closed = new Promise<void>((r) => (onClosed = r));
      this.current = { key, instance, refs: 0, stale: false, closed, onClosed };
      if (old) this.retire(old);
      return this.current;
    })().finally(() => {
      this.opening = null;
    });
    const open = await this.opening;
    open.refs++;
    return open;
  }

  private release(open: Open) {
    open.refs--;
    if (open.stale && open.refs === 0) {
      open.instance.closeSync();
      open.onClosed();
    }
  }

  /** For the in-place writer: drop the read-only instance once its queries are done. */
  async closeWhenIdle(): Promise<void> {
    await this.opening?.catch(() => undefined);
    const open = this.current;
    if (!open) return;
    this.current = null;
    this.retire(open);
    await open.closed;
  }

  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    let access = readerAccess(this.path, this);
    while ('wait' in access) {
      await access.wait;
      access = readerAccess(this.path, this);
    }
    if ('borrow' in access) {
      const borrowed = access.borrow;
      let conn: DuckDBConnection | undefined;
      try {
        conn = await borrowed.instance.connect();
        return await fn(conn);
      } finally {
        conn?.closeSync();
        borrowed.release();
      }
    }
    // Same tick as the decision above: a writer that starts now waits for this open.
    const open = await this.acquire();
    let conn: DuckDBConnection | undefined;
    try {
      conn = await open.instance.connect();
      return await fn(conn);
    } finally {
      conn?.closeSync();
      this.release(open);
    }
  }

  close() {
    this.unregister();
    if (this.current && this.current.refs === 0) this.current.instance.closeSync();
    this.current = null;
  }
}
