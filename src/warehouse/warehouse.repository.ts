import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { rowsOf } from '../app/database';
import { KNEX } from '../app/tokens';
import {
  DEFAULT_SETTINGS,
  SETTINGS_KEY,
  settingsSchema,
  type WarehouseSettings,
} from '../../warehouse/settings';

export interface RunRow {
  id: number;
  kind: string;
  status: string;
  phase: string | null;
  trigger: string;
  started_at: Date;
  finished_at: Date | null;
  watermark: Date | null;
  rows: Record<string, unknown>;
  duration_ms: number | null;
  error: string | null;
}

/** warehouse_runs and the metric settings row; short statements only (PGlite has one connection). */
@Injectable()
export class WarehouseRepository {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async settings(): Promise<WarehouseSettings> {
    const row = await this.db('settings').where({ key: SETTINGS_KEY }).first('value');
    if (!row) return DEFAULT_SETTINGS;
    const value = typeof row.value === 'string' ? JSON.parse(row.value) : row.value;
    const parsed = settingsSchema.safeParse(value);
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  async saveSettings(value: WarehouseSettings): Promise<void> {
    await this.db('settings')
      .insert({ key: SETTINGS_KEY, value: JSON.stringify(value), updated_at: this.db.fn.now() })
      .onConflict('key')
      .merge();
  }

  async startRun(kind: string, trigger: string): Promise<number> {
    const [row] = await this.db('warehouse_runs').insert({ kind, trigger, phase: 'start' }).returning('id');
    return Number(row.id);
  }

  /**
   * Progress writes are fire-and-forget on a pool, so one can reach the server after finishRun:
   * it only touches a run still marked running, never overwriting a finished run's phase.
   */
  async progress(id: number, phase: string, rows: Record<string, unknown>): Promise<void> {
    await this.db('warehouse_runs')
      .where({ id, status: 'running' })
      .update({ phase, rows: JSON.stringify(rows) });
  }

  async finishRun(
    id: number,
    patch: {
      status: 'succeeded' | 'failed';
      kind?: string;
      rows?: Record<string, unknown>;
      watermark?: string;
      durationMs: number;
      error?: string;
    },
  ) {
    await this.db('warehouse_runs')
      .where({ id })
      .update({
        status: patch.status,
        phase: patch.status === 'succeeded' ? 'done' : 'failed',
        finished_at: this.db.fn.now(),
        duration_ms: patch.durationMs,
        ...(patch.kind ? { kind: patch.kind } : {}),
        ...(patch.rows ? { rows: JSON.stringify(patch.rows) } : {}),
        ...(patch.watermark ? { watermark: patch.watermark } : {}),
        ...(patch.error ? { error: patch.error.slice(0, 2000) } : {}),
      });
  }

  /**
   * Housekeeping after a successful load: deletions older than a day before its watermark can
   * no longer reach an incremental run (the next one starts from that watermark); runs keep a
   * month of history.
   */
  async prune(watermark: string): Promise<void> {
    await this.db.raw(
      `delete from warehouse_deletions where deleted_at < ?::timestamptz - interval '1 day'`,
      [watermark],
    );
    await this.db.raw(
      `delete from warehouse_runs where started_at < now() - interval '30 days' and status <> 'running'`,
    );
  }

  /** A crash leaves 'running' rows behind: close them when the process that owned them is gone. */
  async failStale(): Promise<void> {
    await this.db('warehouse_runs').where({ status: 'running' }).update({
      status: 'failed',
      phase: 'failed',
      error: 'interrupted (process stopped)',
      finished_at: this.db.fn.now(),
    });
  }

  async recent(limit = 10): Promise<RunRow[]> {
    return rowsOf<RunRow>(await this.db('warehouse_runs').orderBy('id', 'desc').limit(limit));
  }
}
