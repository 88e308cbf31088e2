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

/** Names of user tables in a warehouse file (wh_meta differs by design: it records the run kind). */
export async function tableNames(path: string): Promise<string[]> {
  const rows = await query(
    path,
    `SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name as string).filter((t) => t !== 'wh_meta');
}

/** Per table: rows only in a, rows only in b (multiset difference, order-independent). */
export async function diffWarehouses(a: string, b: string): Promise<Record<string, [number, number]>> {
  const tables = await tableNames(a);
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  const out: Record<string, [number, number]> = {};
  try {
    await conn.run(`ATTACH '${a}' AS a (READ_ONLY)`);
    await conn.run(`ATTACH '${b}' AS b (READ_ONLY)`);
    for (const t of tables) {
      const n = async (x: string, y: string) =>
        Number(
          (
            await conn.runAndReadAll(
              `SELECT count(*) FROM (SELECT * FROM ${x}.${t} EXCEPT ALL SELECT * FROM ${y}.${t})`,
            )
          ).getRowsJS()[0][0],
        );
      out[t] = [await n('a', 'b'), await n('b', 'a')];
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
  return out;
}
