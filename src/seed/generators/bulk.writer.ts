import type { Knex } from 'knex';
import { from as copyFrom } from 'pg-copy-streams';
import { isPglite, rowsOf } from '../../app/database';

/** mulberry32: small, fast and reproducible. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)],
    weighted: <T>(xs: Array<[T, number, ...unknown[]]>) => {
      const total = xs.reduce((s, x) => s + x[1], 0);
      let r = next() * total;
      for (const x of xs) if ((r -= x[1]) < 0) return x[0];
      return xs[xs.length - 1][0];
    },
  };
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const day = (ms: number) => iso(ms).slice(0, 10);
function csv(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return typeof v === 'number' || typeof v === 'boolean' ? v.toString() : JSON.stringify(v);
}

/** Bulk writer: COPY FROM STDIN on PostgreSQL, batched inserts on PGlite. Explicit ids. */
export class BulkWriter {
  constructor(private readonly db: Knex) {}

  async write(table: string, columns: string[], rows: unknown[][]) {
    if (!rows.length) return;
    if (isPglite(this.db)) {
      for (let i = 0; i < rows.length; i += 500) {
        await this.db(table).insert(
          rows.slice(i, i + 500).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))),
        );
      }
      return;
    }
    const conn = await this.db.client.acquireConnection();
    try {
      await new Promise<void>((resolve, reject) => {
        const stream = conn.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT csv)`));
        stream.on('error', reject);
        stream.on('finish', resolve);
        const body = rows.map((r) => r.map(csv).join(',')).join('\n') + '\n';
        stream.end(body);
      });
    } finally {
      await this.db.client.releaseConnection(conn);
    }
  }

  async nextId(table: string): Promise<number> {
    return (
      Number(
        rowsOf<{ m: number }>(await this.db.raw(`select coalesce(max(id), 0) as m from ??`, [table]))[0].m,
      ) + 1
    );
  }

  async syncSequence(table: string) {
    await this.db.raw(
      `select setval(pg_get_serial_sequence(?, 'id'), greatest((select max(id) from ??), 1))`,
      [table, table],
    );
  }
}
