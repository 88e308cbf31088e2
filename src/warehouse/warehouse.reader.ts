import { statSync } from 'node:fs';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Problem } from '../app/problem';

interface Open {
  key: string;
  instance: DuckDBInstance;
  refs: number;
  stale: boolean;
}

/**
 * Read-only access to the published warehouse file. The loader publishes by rename, so a new
 * inode means a new warehouse: the next request opens it, and the old instance (which keeps
 * reading the old, unlinked file consistently) closes once its in-flight queries are done.
 */
export class PublishedReader {
  private current: Open | null = null;
  private opening: Promise<Open> | null = null;

  constructor(
    private readonly path: string,
    private readonly options: Record<string, string> = {},
  ) {}

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

  private async acquire(): Promise<Open> {
    const key = this.fileKey();
    if (this.current && this.current.key === key) {
      this.current.refs++;
      return this.current;
    }
    this.opening ??= (async () => {
      const instance = await DuckDBInstance.create(this.path, { access_mode: 'READ_ONLY', ...this.options });
      const old = this.current;
      this.current = { key, instance, refs: 0, stale: false };
      if (old) {
        old.stale = true;
        if (old.refs === 0) old.instance.closeSync();
      }
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
    if (open.stale && open.refs === 0) open.instance.closeSync();
  }

  async withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
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
    if (this.current && this.current.refs === 0) this.current.instance.closeSync();
    this.current = null;
  }
}
