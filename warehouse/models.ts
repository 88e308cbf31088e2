import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';

/** warehouse/models both from source (ts/jest) and from dist/warehouse (compiled). */
export function modelsDir(): string {
  for (const dir of [join(__dirname, 'models'), join(__dirname, '..', '..', 'warehouse', 'models')]) {
    if (existsSync(dir)) return dir;
  }
  throw new Error(`warehouse models not found near ${__dirname}`);
}

export interface ModelFile {
  name: string;
  sql: string;
  /** Tables/views the file creates, in order. */
  creates: string[];
}

/** Model files in name order: 1x staging, 2x dims, 3x facts, 4x marts. */
export function modelFiles(): ModelFile[] {
  const dir = modelsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const sql = readFileSync(join(dir, f), 'utf8');
      const creates = [...sql.matchAll(/CREATE OR REPLACE (?:TABLE|VIEW) (\w+)/g)].map((m) => m[1]);
      return { name: f.replace(/\.sql$/, ''), sql, creates };
    });
}

export const MART_PREFIX = 'mart_';

/** Rebuilds every model in order; returns milliseconds per file. */
export async function runModels(
  duck: DuckDBConnection,
  onFile?: (name: string) => void,
): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  for (const file of modelFiles()) {
    onFile?.(file.name);
    const t0 = performance.now();
    try {
      await duck.run(file.sql);
    } catch (err) {
      throw new Error(`model ${file.name} failed: ${(err as Error).message}`);
    }
    timings[file.name] = Math.round(performance.now() - t0);
  }
  return timings;
}
