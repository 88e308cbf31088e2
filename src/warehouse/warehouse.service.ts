import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AppConfig } from '../app/config';
import { isPglite } from '../app/database';
import { Problem } from '../app/problem';
import { CONFIG, KNEX, LOGGER } from '../app/tokens';
import { LoaderBusyError } from '../../warehouse/lock';
import { settingsSchema, type WarehouseSettings } from '../../warehouse/settings';
import {
  isoDateIn,
  WarehouseLoader,
  type LoadKind,
  type LoadProgress,
  type LoadResult,
} from '../../warehouse/loader';
import { WarehouseRepository } from './warehouse.repository';

export const WAREHOUSE_SCHEDULE = Symbol('WAREHOUSE_SCHEDULE');

/**
 * Runs loads in the background (scheduled and on demand), one at a time per process and — via
 * the loader's advisory lock — across processes, recording each run and its progress.
 */
@Injectable()
export class WarehouseService implements OnApplicationBootstrap, OnModuleDestroy {
  private running: { id: number; progress: LoadProgress; promise: Promise<LoadResult | null> } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startupTimer: NodeJS.Timeout | null = null;
  private lastPhaseWrite = 0;
  private lastPhase = '';

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(WAREHOUSE_SCHEDULE) private readonly schedule: boolean,
    private readonly repo: WarehouseRepository,
  ) {}

  async onApplicationBootstrap() {
    if (!this.schedule) return;
    // Only this process can have been running a PGlite load; on PostgreSQL another live
    // process may own a 'running' row, so leave those to it.
    if (isPglite(this.db)) await this.repo.failStale();
    const settings = await this.repo.settings();
    if (!settings.refresh_interval_minutes) return;
    this.timer = setInterval(
      () => void this.trigger('incremental', 'schedule').catch(() => undefined),
      settings.refresh_interval_minutes * 60_000,
    );
    this.timer.unref();
    // A first build soon after start, so a fresh install has a warehouse without waiting.
    if (!existsSync(this.config.warehousePath)) {
      this.startupTimer = setTimeout(
        () => void this.trigger('full', 'startup').catch(() => undefined),
        5_000,
      ).unref();
    }
  }

  async onModuleDestroy() {
    if (this.timer) clearInterval(this.timer);
    if (this.startupTimer) clearTimeout(this.startupTimer);
    await this.running?.promise.catch(() => undefined);
  }

  /** Starts a load and returns at once; the promise settles when it ends. */
  async trigger(
    kind: LoadKind,
    trigger: string,
  ): Promise<{ id: number; kind: LoadKind; done: Promise<LoadResult | null> }> {
    if (this.running) throw Problem.conflict(`Warehouse run ${this.running.id} is in progress.`);
    const settings = await this.repo.settings();
    const id = await this.repo.startRun(kind, trigger);
    const log = this.log.child({ component: 'warehouse', run: id });
    const startedAt = performance.now();
    const loader = new WarehouseLoader({
      db: this.db,
      path: this.config.warehousePath,
      settings,
      timezone: this.config.orgTimezone,
      asOf: isoDateIn(this.config.orgTimezone, new Date()),
      // Leave a core to the API: the loader runs inside the service process.
      threads: Math.max(1, availableParallelism() - 1),
      copyConcurrency: 1,
      pipelined: false,
      onProgress: (p) => this.onProgress(id, p, log),
    });
    const promise = (async () => {
      try {
        const res = await loader.run(kind);
        await this.repo.finishRun(id, {
          status: 'succeeded',
          kind: res.kind,
          rows: { extracted: res.rows, deleted: res.deleted, model_ms: res.modelMs },
          watermark: res.watermark,
          durationMs: res.durationMs,
        });
        await this.repo.prune(res.watermark);
        log.info(
          {
            kind: res.kind,
            rows: res.rows,
            deleted: res.deleted,
            ms: res.durationMs,
            published: res.published,
          },
          'warehouse load finished',
        );
        return res;
      } catch (err) {
        const busy = err instanceof LoaderBusyError;
        await this.repo
          .finishRun(id, {
            status: 'failed',
            durationMs: Math.round(performance.now() - startedAt),
            error: (err as Error).message,
          })
          .catch(() => undefined);
        if (busy) log.info('another process is loading the warehouse; skipped');
        else log.error({ err }, 'warehouse load failed');
        return null;
      } finally {
        this.running = null;
      }
    })();
    this.running = {
      id,
      progress: { kind, phase: 'start', rows: {}, deleted: {}, startedAt: new Date().toISOString() },
      promise,
    };
    return { id, kind, done: promise };
  }

  private onProgress(id: number, p: LoadProgress, log: Logger) {
    if (this.running?.id === id) this.running.progress = p;
    const now = Date.now();
    // Phase changes go to the log and (at most twice a second) to warehouse_runs.
    if (p.phase !== this.lastPhase) log.info({ phase: p.phase, rows: p.rows }, 'warehouse progress');
    this.lastPhase = p.phase;
    if (now - this.lastPhaseWrite > 500) {
      this.lastPhaseWrite = now;
      void this.repo.progress(id, p.phase, { extracted: p.rows, deleted: p.deleted }).catch(() => undefined);
    }
  }

  settings() {
    return this.repo.settings();
  }

  async updateSettings(patch: Partial<WarehouseSettings>): Promise<WarehouseSettings> {
    const next = settingsSchema.parse({ ...(await this.repo.settings()), ...patch });
    await this.repo.saveSettings(next);
    return next;
  }

  async status() {
    const file = existsSync(this.config.warehousePath) ? statSync(this.config.warehousePath) : null;
    return {
      published: file
        ? { path: this.config.warehousePath, bytes: file.size, modified_at: file.mtime.toISOString() }
        : null,
      running: this.running ? { id: this.running.id, ...this.running.progress } : null,
      runs: await this.repo.recent(10),
    };
  }
}
