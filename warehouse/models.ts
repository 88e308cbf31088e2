import { createHash } from 'node:crypto';
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

export interface ModelStatement {
  file: string;
  name: string;
  kind: 'TABLE' | 'VIEW';
  sql: string;
  /** The SELECT after `CREATE OR REPLACE TABLE name AS`. */
  body: string;
}

/** Model files in name order: 00 session settings, 1x staging, 2x dims, 3x facts, 4x marts. */
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

/** Fingerprint of the model SQL: a file built by other models is rebuilt in full, never patched. */
export function modelsHash(): string {
  const h = createHash('sha256');
  for (const f of modelFiles()) h.update(f.name).update('\0').update(f.sql).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Every statement of every model file, in order (statements end with `;` at a line end). */
export function modelStatements(): ModelStatement[] {
  return modelFiles().flatMap((f) =>
    f.sql
      .split(/;\s*$/m)
      .map((s) => s.trim())
      .flatMap((sql) => {
        const m = /CREATE OR REPLACE (TABLE|VIEW) (\w+) AS\s/.exec(sql);
        if (!m) return [];
        return [
          {
            file: f.name,
            name: m[2],
            kind: m[1] as 'TABLE' | 'VIEW',
            sql,
            body: sql.slice(m.index + m[0].length),
          },
        ];
      }),
  );
}

export interface ModelSetting {
  name: string;
  value: string;
}

/** `SET name = value;` statements of the model files (00_session.sql): the build's session settings. */
export function modelSettings(): ModelSetting[] {
  return modelFiles().flatMap((f) =>
    [...f.sql.matchAll(/^SET (\w+) = (.+);\s*$/gm)].map((m) => ({ name: m[1], value: m[2] })),
  );
}

/**
 * How a statement is run: the default recreates it from scratch; an incremental refresh passes a
 * runner that rebuilds only the affected part of some tables.
 */
export type StatementRunner = (duck: DuckDBConnection, st: ModelStatement) => Promise<void>;

const recreate: StatementRunner = async (duck, st) => {
  await duck.run(st.sql);
};

/** Rebuilds every model in order; returns milliseconds per file. */
export async function runModels(
  duck: DuckDBConnection,
  onFile?: (name: string) => void,
  runner: StatementRunner = recreate,
): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  const settings = modelSettings();
  // Settings apply to this run only: the connection goes on to other work afterwards.
  for (const s of settings) await duck.run(`SET ${s.name} = ${s.value}`);
  try {
    let current = '';
    let t0 = performance.now();
    for (const st of modelStatements()) {
      if (st.file !== current) {
        if (current) timings[current] = Math.round(performance.now() - t0);
        current = st.file;
        onFile?.(st.file);
        t0 = performance.now();
      }
      const s0 = performance.now();
      try {
        await runner(duck, st);
      } catch (err) {
        throw new Error(`model ${st.file}/${st.name} failed: ${(err as Error).message}`);
      }
      traceTiming(s0, `model ${st.name}`);
    }
    if (current) timings[current] = Math.round(performance.now() - t0);
  } finally {
    for (const s of settings) await duck.run(`RESET ${s.name}`);
  }
  return timings;
}

/** Under LL_MODEL_TIMINGS, prints how long a model statement or refresh step took (profiling). */
export function traceTiming(t0: number, label: string) {
  if (process.env.LL_MODEL_TIMINGS)
    console.log(`  ${Math.round(performance.now() - t0)} ms  ${label.replace(/\s+/g, ' ').slice(0, 90)}`);
}
