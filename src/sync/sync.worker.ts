import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { VendorError } from '../../connectors/connector';
import type { Clock } from '../app/clock';
import { deliveryRetryDelay, MAX_DELIVERY_ATTEMPTS } from './backoff';
import { ConnectionRepository } from './connection.repository';
import type { ConnectorPool } from './connector-pool';
import { DeliveryRepository } from './delivery.repository';
import { PushService } from './push.service';
import { RunService } from './run.service';
import { SyncErrorRepository } from './sync-error.repository';
import type { ConnectionRow, DeliveryRow, Outcome, SyncHooks } from './sync.types';

export interface WorkerOptions {
  workerId: string;
  batchSize?: number;
  leaseMs?: number;
  hooks?: SyncHooks;
  log?: Logger;
  /** Called after each delivery is settled (tests use it to prove no delivery is handled twice). */
  onSettled?: (d: DeliveryRow, outcome: Outcome) => void;
}

/**
 * Leases due deliveries (SKIP LOCKED, so many workers in many processes share one database),
 * pushes each through the connection's rate limiter, and settles it: done with its outcome, or
 * failed with a sync_errors row and a jittered exponential retry time (dead after
 * MAX_DELIVERY_ATTEMPTS). Counts are rolled up into the deliveries' runs.
 */
export class SyncWorker {
  private readonly deliveries = new DeliveryRepository();
  private readonly connections = new ConnectionRepository();
  private readonly errors = new SyncErrorRepository();
  private readonly pusher: PushService;
  private readonly runs: RunService;
  private recounts: Promise<void> = Promise.resolve();
  readonly opts: Required<Pick<WorkerOptions, 'workerId' | 'batchSize' | 'leaseMs'>> & WorkerOptions;

  constructor(
    private readonly db: Knex,
    private readonly pool: ConnectorPool,
    private readonly clock: Clock,
    opts: WorkerOptions,
  ) {
    this.opts = { batchSize: 50, leaseMs: 60_000, ...opts };
    this.pusher = new PushService(db, opts.hooks);
    this.runs = new RunService(db, pool, clock);
  }

  /** Gives back leases held by an earlier life of this worker id (after a crash and restart). */
  async start(): Promise<number> {
    return this.deliveries.releaseOwn(this.db, this.opts.workerId);
  }

  /** One lease-and-process round; returns how many deliveries it handled. */
  async tick(): Promise<number> {
    const leased = await this.lease();
    if (leased.length) await this.process(leased);
    return leased.length;
  }

  /**
   * Ticks until nothing is due (tests, and the end of a scheduled round). Up to `depth` leased
   * batches are in flight at once: the next batch is leased while the previous one's last calls,
   * settle writes and run recount finish, so the connection's rate limiter always has calls
   * waiting and pushes keep the allowed pace instead of pausing at every batch boundary.
   */
  async drain(maxRounds = 10_000, depth = 2): Promise<number> {
    let total = 0;
    const failed: { err?: Error } = {};
    const running = new Set<Promise<void>>();
    for (let i = 0; i < maxRounds && !failed.err; i++) {
      const leased = await this.lease();
      if (!leased.length) {
        // Records held by a batch still in flight become leasable when it settles.
        if (!running.size) break;
        await Promise.race(running);
        continue;
      }
      total += leased.length;
      const p: Promise<void> = this.process(leased)
        .catch((err) => {
          failed.err ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => running.delete(p));
      running.add(p);
      if (running.size >= depth) await Promise.race(running);
    }
    await Promise.all(running);
    if (failed.err) throw failed.err;
    return total;
  }

  private lease(): Promise<DeliveryRow[]> {
    return this.deliveries.lease(
      this.db,
      this.opts.workerId,
      this.opts.batchSize,
      this.opts.leaseMs,
      this.clock.now(),
    );
  }

  private async process(leased: DeliveryRow[]): Promise<void> {
    // One read per connection per batch, not per delivery.
    const connections = new Map<number, Promise<ConnectionRow | undefined>>();
    for (const id of new Set(leased.map((d) => d.connection_id)))
      connections.set(id, this.connections.get(this.db, id));
    await Promise.all(leased.map((d) => this.handle(d, connections.get(d.connection_id)!)));
    const runIds = [...new Set(leased.map((d) => d.run_id).filter((id): id is number => id !== null))];
    // Recounts one at a time: two overlapping recounts of a run could land out of order.
    const recount = this.recounts.then(async () => {
      for (const runId of runIds) await this.runs.refresh(runId);
    });
    this.recounts = recount.catch(() => undefined);
    await recount;
  }

  private async handle(d: DeliveryRow, loaded: Promise<ConnectionRow | undefined>): Promise<void> {
    const now = () => this.clock.now();
    try {
      const connection = await loaded;
      if (!connection || connection.archived_at || connection.status !== 'active') {
        await this.deliveries.complete(this.db, d.id, this.opts.workerId, 'skipped');
        this.opts.onSettled?.(d, 'skipped');
        return;
      }
      const ctx = await this.pool.context(this.db, connection);
      const result = await this.pusher.push(ctx, d.object, Number(d.object_id));
      await this.errors.resolve(this.db, d.connection_id, d.object, Number(d.object_id), now());
      await this.deliveries.complete(this.db, d.id, this.opts.workerId, result.outcome);
      this.opts.onSettled?.(d, result.outcome);
    } catch (err) {
      const vendor = err instanceof VendorError ? err : null;
      const retryable = vendor ? vendor.retryable : true;
      const dead = !retryable || d.attempts >= MAX_DELIVERY_ATTEMPTS;
      // Never sooner than the vendor asked (Retry-After, or the daily budget's renewal).
      const delay = Math.max(deliveryRetryDelay(d.attempts), vendor?.retryAfterMs ?? 0);
      const nextAt = dead ? null : new Date(now().getTime() + delay);
      const message = (err as Error).message ?? String(err);
      this.opts.log?.warn(
        { delivery: d.id, object: d.object, localId: d.object_id, err: message },
        'sync delivery failed',
      );
      await this.errors.record(this.db, {
        connectionId: d.connection_id,
        object: d.object,
        localId: Number(d.object_id),
        deliveryId: d.id,
        runId: d.run_id,
        code: vendor?.code ?? 'internal',
        message,
        retryable,
        nextAttemptAt: nextAt,
      });
      await this.deliveries.fail(this.db, d, this.opts.workerId, message, nextAt);
      this.opts.onSettled?.(d, 'failed');
    }
  }
}
