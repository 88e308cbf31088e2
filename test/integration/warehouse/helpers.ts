import { DuckDBInstance } from '@duckdb/node-api';

/** Reads rows from a published warehouse file (read-only), bigints as numbers. */
export async function query(path: string, sql: string): Promise<Record<string, any>[]> {
  const inst = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await inst.connect();
  try {
    const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
    return rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}
