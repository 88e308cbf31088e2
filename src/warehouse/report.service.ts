import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { z } from 'zod';
import type { AppConfig } from '../app/config';
import { Problem } from '../app/problem';
import { parseOrThrow } from '../app/crud/schema-kit';
import { CONFIG } from '../app/tokens';
import { isCurrency } from '../billing/currency';
import {
  convertedSql,
  REPORT_FORMATS,
  REPORT_ROWS,
  REPORTS,
  type ReportDef,
  type ReportFormat,
} from '../../warehouse/reports';
import { readResult, type ResultSet } from './report.format';
import { PublishedReader } from './warehouse.reader';

const monthParam = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$/, 'must be YYYY-MM or YYYY-MM-DD')
  .refine((v) => {
    if (v.length === 7) return true;
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  }, 'is not a valid date')
  .transform((v) => `${v.slice(0, 7)}-01`);

function paramSchema(def: ReportDef) {
  const shape: Record<string, z.ZodType> = {
    format: z.enum(REPORT_FORMATS).default('json'),
    limit: z.coerce.number().int().min(1).max(REPORT_ROWS.max).default(REPORT_ROWS.default),
    offset: z.coerce.number().int().min(0).default(0),
  };
  for (const p of def.params) {
    if (p.type === 'month') shape[p.name] = monthParam.optional();
    else if (p.type === 'currency')
      shape[p.name] = z
        .string()
        .transform((v) => v.toUpperCase())
        .refine(isCurrency, 'is not an ISO 4217 currency')
        .optional();
    else if (p.type === 'integer') shape[p.name] = z.coerce.number().int().positive().optional();
    else if (p.values) shape[p.name] = z.enum(p.values as [string, ...string[]]).optional();
    else shape[p.name] = z.string().min(1).max(100).optional();
  }
  return z.strictObject(shape).superRefine((v: any, ctx) => {
    if (v.from && v.to && v.from > v.to)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
  });
}

export interface ReportOutput {
  format: ReportFormat;
  result: ResultSet;
  parquet?: Buffer;
  meta: Record<string, unknown>;
}

/** Serves reports from the marts through a read-only instance of the published file. */
@Injectable()
export class ReportService implements OnModuleDestroy {
  readonly reader: PublishedReader;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.reader = new PublishedReader(config.warehousePath);
  }

  onModuleDestroy() {
    this.reader.close();
  }

  catalog() {
    return REPORTS.map((r) => ({
      name: r.name,
      title: r.title,
      description: r.description,
      source: r.source,
      formats: REPORT_FORMATS,
      limit: REPORT_ROWS,
      paging:
        '`limit` rows per page (default 1,000) from `offset` (default 0) in the report order; a full page returns `next_offset`',
      parameters: r.params.map((p) => ({
        name: p.name,
        type: p.type,
        description: p.description,
        ...(p.values ? { values: p.values } : {}),
      })),
      money_columns: r.money,
    }));
  }

  async run(name: string, query: unknown): Promise<ReportOutput> {
    const def = REPORTS.find((r) => r.name === name);
    if (!def)
      throw new Problem(
        404,
        'unknown-report',
        `There is no report named '${name}'. GET /api/v1/reports lists them.`,
      );
    const params = parseOrThrow(paramSchema(def), query ?? {}) as Record<string, any>;
    return this.reader.withConnection((conn) =>
      withTimeout(conn, REPORT_TIMEOUT_MS, () => this.query(conn, def, params)),
    );
  }

  private async query(
    conn: DuckDBConnection,
    def: ReportDef,
    params: Record<string, any>,
  ): Promise<ReportOutput> {
    // Settings and whether the requested currency has rates, in one round trip.
    const settings = (
      await conn.runAndReadAll(
        `SELECT s.reporting_currency, CAST(s.as_of AS VARCHAR) AS as_of,
                (SELECT bool_and(f.to_report IS NOT NULL) FROM dim_fx_day f
                 WHERE f.currency = coalesce($c, s.reporting_currency)) AS ok
         FROM wh_settings s`,
        { c: (params.currency as string | undefined) ?? null },
      )
    ).getRowObjectsJS()[0];
    const currency = (params.currency as string | undefined) ?? (settings.reporting_currency as string);
    // One row past the page tells whether there is a next one (JSON/CSV/Arrow; Parquet exports
    // take exactly `limit` rows).
    const parquet = params.format === 'parquet';
    const values: Record<string, any> = {
      limit: parquet ? params.limit : params.limit + 1,
      offset: params.offset,
    };
    if (def.money.length) {
      if (settings.ok !== true) {
        throw Problem.validation([
          { field: 'currency', message: `no exchange rates for ${currency}: add them to fx_rates` },
        ]);
      }
      values.currency = currency;
    }
    for (const p of def.params) if (p.name !== 'currency') values[p.name] = params[p.name] ?? null;
    const sql = convertedSql(def);
    const meta = {
      report: def.name,
      currency: def.money.length ? currency : null,
      as_of: settings.as_of,
      parameters: { ...values, limit: params.limit },
    };
    if (params.format === 'parquet') {
      // Bound parameters stay bound: materialise into a temp table, then COPY that to Parquet.
      const file = join(tmpdir(), `ll-report-${randomBytes(6).toString('hex')}.parquet`);
      try {
        await conn.run(`CREATE TEMP TABLE _report AS ${sql}`, values);
        await conn.run(`COPY _report TO '${file}' (FORMAT parquet)`);
        const result = readResult(await conn.runAndReadAll(`SELECT * FROM _report LIMIT 0`));
        return { format: 'parquet' as const, result, parquet: await readFile(file), meta };
      } finally {
        await rm(file, { force: true });
      }
    }
    const result = readResult(await conn.runAndReadAll(sql, values));
    const more = result.rows.length > params.limit;
    if (more) result.rows.length = params.limit;
    return {
      format: params.format as ReportFormat,
      result,
      meta: { ...meta, next_offset: more ? params.offset + params.limit : null },
    };
  }
}

/** Reports read marts and should answer in milliseconds; anything stuck is interrupted. */
export const REPORT_TIMEOUT_MS = 30_000;

async function withTimeout<T>(conn: DuckDBConnection, ms: number, fn: () => Promise<T>): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.interrupt();
  }, ms);
  try {
    return await fn();
  } catch (err) {
    if (timedOut)
      throw new Problem(422, 'query-timeout', `The report ran longer than ${ms} ms and was stopped.`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
