import { z } from 'zod';
import { sqlString } from './sql';

/**
 * Metric settings (documented in warehouse/METRICS.md). Stored in the `settings` table under
 * SETTINGS_KEY; every load copies them into DuckDB's wh_settings so the SQL models read them.
 */
export const SETTINGS_KEY = 'warehouse.metrics';

export const settingsSchema = z
  .object({
    reporting_currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')
      .default('USD'),
    /** A customer whose MRR returns within this many months of churning counts as reactivation, else as new. */
    reactivation_window_months: z.number().int().min(0).max(120).default(12),
    /** Customer segment thresholds on annual revenue, in major units of the reporting currency. */
    segment_mid_market_from: z.number().min(0).default(1_000_000),
    segment_enterprise_from: z.number().min(0).default(50_000_000),
    /** Payment size bands, in major units of the reporting currency. */
    size_band_medium_from: z.number().min(0).default(100),
    size_band_large_from: z.number().min(0).default(1_000),
    size_band_xlarge_from: z.number().min(0).default(10_000),
    /** Incremental extraction re-reads rows changed this long before the last watermark (late commits). */
    watermark_overlap_seconds: z.number().int().min(0).max(86400).default(300),
    /** Minutes between scheduled incremental refreshes (0 = only on demand). */
    refresh_interval_minutes: z.number().int().min(0).max(1440).default(15),
  })
  .strict();

export type WarehouseSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: WarehouseSettings = settingsSchema.parse({});

/** The settings the SQL models see (one row), plus the as-of date of the load. */
export function settingsTableSql(s: WarehouseSettings, asOf: string): string {
  const lit = (v: string | number) => (typeof v === 'number' ? String(v) : sqlString(v));
  return `CREATE OR REPLACE TABLE wh_settings AS SELECT
    ${lit(s.reporting_currency)} AS reporting_currency,
    DATE ${lit(asOf)} AS as_of,
    ${s.reactivation_window_months} AS reactivation_window_months,
    ${s.segment_mid_market_from} AS segment_mid_market_from,
    ${s.segment_enterprise_from} AS segment_enterprise_from,
    ${s.size_band_medium_from} AS size_band_medium_from,
    ${s.size_band_large_from} AS size_band_large_from,
    ${s.size_band_xlarge_from} AS size_band_xlarge_from`;
}
