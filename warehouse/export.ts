import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from './sql';

/**
 * Writes marts as Parquet, partitioned by month (Hive layout `month=YYYY-MM-01/`), so the same
 * models and reports run on any engine that reads Parquet. Marts without a month column
 * (e.g. AR aging, a snapshot) are written as one file. Returns the directory per mart.
 */
export async function exportMarts(
  conn: DuckDBConnection,
  dir: string,
  only?: string[],
): Promise<Record<string, string>> {
  const marts = (
    await conn.runAndReadAll(
      `SELECT t.table_name, bool_or(c.column_name = 'month') AS has_month
       FROM information_schema.tables t JOIN information_schema.columns c USING (table_name)
       WHERE t.table_name LIKE 'mart\\_%' ESCAPE '\\' GROUP BY 1 ORDER BY 1`,
    )
  ).getRowObjectsJS() as Array<{ table_name: string; has_month: boolean }>;
  const out: Record<string, string> = {};
  for (const m of marts) {
    if (only?.length && !only.includes(m.table_name)) continue;
    const target = join(dir, m.table_name);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    if (m.has_month) {
      await conn.run(
        `COPY ${m.table_name} TO ${sqlString(target)} (FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE true)`,
      );
    } else {
      await conn.run(`COPY ${m.table_name} TO ${sqlString(join(target, 'data.parquet'))} (FORMAT parquet)`);
    }
    out[m.table_name] = target;
  }
  return out;
}
