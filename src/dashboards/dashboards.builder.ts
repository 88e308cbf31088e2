import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../app/tokens';
import type { DashboardsConfig } from './dashboards.config';
import { DashboardsSite } from './dashboards.site';

export const DASHBOARDS_CONFIG = Symbol('DASHBOARDS_CONFIG');
export const DASHBOARDS_SCHEDULE = Symbol('DASHBOARDS_SCHEDULE');

export interface BuildOutcome {
  ok: boolean;
  reason: string;
  warehouse_key: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  exit_code: number | null;
  /** Last lines the build printed on failure. */
  error?: string;
}

/** After a failed build of one warehouse version, wait this long before trying it again. */
const RETRY_FAILED_MS = 10 * 60_000;
/** The first check waits a little after start: a build never competes with the start itself. */
const FIRST_CHECK_MS = 5_000;

/** The published warehouse file's identity (the loader publishes by rename: new inode). */
export function warehouseKey(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}

/**
 * Rebuilds the dashboards in the background when the published warehouse changed: polls the
 * file, and runs ONE build at a time as a child process (scripts/reports-build.js, which also
 * guards against builds from other processes with a lock file). Never on the start path.
 */
@Injectable()
export class DashboardsBuilder implements OnApplicationBootstrap, OnModuleDestroy {
  readonly site: DashboardsSite;
  private running: {
    child: ChildProcess;
    promise: Promise<BuildOutcome>;
    started_at: string;
    reason: string;
  } | null = null;
  private last: BuildOutcome | null = null;
  private timers: NodeJS.Timeout[] = [];
  private closing = false;

  constructor(
    @Inject(DASHBOARDS_CONFIG) private readonly config: DashboardsConfig,
    @Inject(DASHBOARDS_SCHEDULE) private readonly schedule: boolean,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.site = new DashboardsSite(config.dir);
  }

  onApplicationBootstrap() {
    if (!this.schedule || !this.config.rebuild) return;
    this.timers.push(setTimeout(() => void this.check(), FIRST_CHECK_MS).unref());
    this.timers.push(setInterval(() => void this.check(), this.config.pollMs).unref());
  }

  async onModuleDestroy() {
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    const run = this.running;
    if (run?.child.pid) {
      // The build runs npm → evidence → vite in its own process group: stop all of it.
      try {
        process.kill(-run.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await run.promise;
    }
  }

  /** Starts a build when the warehouse differs from what the current site was built from. */
  check(): Promise<BuildOutcome> | null {
    if (this.running || this.closing) return null;
    const key = warehouseKey(this.config.warehousePath);
    if (!key) return null;
    if (this.site.info()?.warehouse.key === key) return null;
    if (this.last && Date.now() - Date.parse(this.last.finished_at) < this.config.minIntervalMs) return null;
    if (this.last && !this.last.ok && this.last.warehouse_key === key) {
      if (Date.now() - Date.parse(this.last.finished_at) < RETRY_FAILED_MS) return null;
    }
    return this.rebuild('warehouse changed');
  }

  /** Single flight: a second call while a build runs gets the running build. */
  rebuild(reason: string): Promise<BuildOutcome> {
    if (this.running) return this.running.promise;
    const key = warehouseKey(this.config.warehousePath) ?? 'missing';
    const [cmd, ...args] = this.config.buildCommand;
    const started = Date.now();
    const started_at = new Date(started).toISOString();
    const log = this.log.child({ component: 'dashboards' });
    log.info({ reason, warehouse: this.config.warehousePath }, 'dashboards build started');
    const child = spawn(
      cmd,
      [...args, '--warehouse', this.config.warehousePath, '--publish', this.config.dir],
      {
        cwd: this.config.projectRoot,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, DATA_DIR: undefined, WAREHOUSE_PATH: undefined, DASHBOARDS_DIR: undefined },
      },
    );
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const promise = new Promise<BuildOutcome>((resolve) => {
      const finish = (code: number | null, error?: string) => {
        const outcome: BuildOutcome = {
          ok: code === 0,
          reason,
          warehouse_key: key,
          started_at,
          finished_at: new Date().toISOString(),
          duration_ms: Date.now() - started,
          exit_code: code,
          ...(code === 0 ? {} : { error: error ?? tail.trim().split('\n').slice(-15).join('\n') }),
        };
        this.last = outcome;
        this.running = null;
        if (outcome.ok) log.info({ ms: outcome.duration_ms }, 'dashboards build published');
        else log.error({ code, ms: outcome.duration_ms, error: outcome.error }, 'dashboards build failed');
        resolve(outcome);
      };
      child.on('error', (err) => finish(null, err.message));
      child.on('close', (code) => finish(code));
    });
    this.running = { child, promise, started_at, reason };
    return promise;
  }

  status() {
    const info = this.site.info();
    const key = warehouseKey(this.config.warehousePath);
    return {
      site: info,
      up_to_date: info !== null && key !== null && info.warehouse.key === key,
      warehouse_present: key !== null,
      building: this.running ? { started_at: this.running.started_at, reason: this.running.reason } : null,
      last_build: this.last,
      background_rebuild: this.schedule && this.config.rebuild,
      auth: this.config.auth,
    };
  }
}
