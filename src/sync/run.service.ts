import type { Knex } from 'knex';
import type { Clock } from '../app/clock';
import { Problem } from '../app/problem';
import { ConnectionRepository } from './connection.repository';
import type { ConnectorPool } from './connector-pool';
import { DeliveryRepository } from './delivery.repository';
import { LinkRepository } from './link.repository';
import { decidePush } from './push.decision';
import { RunRepository } from './run.repository';
import { SYNC_OBJECTS, type RunRow } from './sync.types';

export interface StartRun {
  connectionId: number;
  object?: string;
  plan?: boolean;
  trigger: 'api' | 'schedule';
}

/** Items listed in a plan; the counts always cover every record. */
const PLAN_ITEM_LIMIT = 1000;
const PAGE = 500;

/**
 * Full push runs (every record of an object, by API or schedule) and plans (dry runs that list
 * creates, updates, skips and validation failures and write nothing but the run report itself).
 */
export class RunService {
  private readonly runs = new RunRepository();
  private readonly connections = new ConnectionRepository();
  private readonly deliveries = new DeliveryRepository();
  private readonly links = new LinkRepository();

  constructor(
    private readonly db: Knex,
    private readonly pool: ConnectorPool,
    private readonly clock: Clock,
  ) {}

  async start(input: StartRun): Promise<RunRow> {
    const connection = await this.connections.get(this.db, input.connectionId);
    if (!connection || connection.archived_at)
      throw Problem.validation([
        { field: 'connection_id', message: `connection ${input.connectionId} does not exist` },
      ]);
    if (connection.status !== 'active')
      throw Problem.conflict(
        `connection ${connection.id} is ${connection.status}; activate it before running a sync.`,
      );
    const pushable = this.pool.pushObjects(connection.vendor).filter((o) => SYNC_OBJECTS[o]);
    if (input.object && !pushable.includes(input.object))
      throw Problem.validation([
        {
          field: 'object',
          message: `${connection.vendor} can push ${pushable.join(', ') || 'nothing'}, not ${input.object}`,
        },
      ]);
    const objects = input.object ? [input.object] : pushable;
    return input.plan
      ? this.plan(connection.id, objects, input)
      : this.enqueue(connection.id, objects, input);
  }

  private async enqueue(connectionId: number, objects: string[], input: StartRun): Promise<RunRow> {
    return this.db.transaction(async (trx) => {
      const run = await this.runs.insert(trx, {
        connection_id: connectionId,
        object: input.object ?? null,
        kind: 'push',
        trigger: input.trigger,
        plan: false,
        status: 'running',
        started_at: this.clock.now(),
      });
      let total = 0;
      for (const object of objects) {
        total += await this.deliveries.enqueueTable(
          trx,
          connectionId,
          run.id,
          object,
          SYNC_OBJECTS[object].table,
          this.clock.now(),
        );
      }
      await this.runs.update(trx, run.id, {
        total,
        ...(total === 0 ? { status: 'succeeded', finished_at: this.clock.now() } : {}),
      });
      return (await this.runs.get(trx, run.id))!;
    });
  }

  private async plan(connectionId: number, objects: string[], input: StartRun): Promise<RunRow> {
    const connection = (await this.connections.get(this.db, connectionId))!;
    const ctx = await this.pool.context(this.db, connection);
    const counts = { total: 0, created: 0, updated: 0, unchanged: 0, failed: 0 };
    const skipped: number[] = [];
    const items: unknown[] = [];
    for (const object of objects) {
      const mapping = ctx.mappings.get(object)!;
      for (let after = 0; ;) {
        const records: Record<string, any>[] = await this.db(SYNC_OBJECTS[object].table)
          .where('id', '>', after)
          .orderBy('id')
          .limit(PAGE);
        if (!records.length) break;
        after = records[records.length - 1].id;
        const links = new Map(
          (
            await this.links.getMany(
              this.db,
              connectionId,
              object,
              records.map((r) => r.id),
            )
          ).map((l) => [Number(l.local_id), l]),
        );
        for (const record of records) {
          const d = decidePush(mapping, record, links.get(record.id));
          counts.total++;
          if (d.action === 'create' || d.action === 'heal') counts.created++;
          else if (d.action === 'update' || d.action === 'archive') counts.updated++;
          else if (d.action === 'unchanged') counts.unchanged++;
          else if (d.action === 'invalid') counts.failed++;
          else skipped.push(record.id);
          if (d.action !== 'unchanged' && items.length < PLAN_ITEM_LIMIT)
            items.push({
              object,
              local_id: record.id,
              action: d.action,
              external_id: links.get(record.id)?.external_id ?? null,
              ...(d.errors.length ? { errors: d.errors } : {}),
              ...(d.reason ? { reason: d.reason } : {}),
              ...(d.action === 'create' || d.action === 'update' || d.action === 'archive'
                ? { payload: d.payload }
                : {}),
            });
        }
      }
    }
    return this.runs.insert(this.db, {
      connection_id: connectionId,
      object: input.object ?? null,
      kind: 'push',
      trigger: input.trigger,
      plan: true,
      status: counts.failed ? 'partial' : 'succeeded',
      ...counts,
      items: { skipped: skipped.length, listed: items.length, items },
      started_at: this.clock.now(),
      finished_at: this.clock.now(),
    });
  }

  /** Recounts a run from its deliveries; finishes it when none is waiting or in flight. */
  async refresh(runId: number): Promise<void> {
    const rows = await this.deliveries.runCounts(this.db, runId);
    const sum = (pred: (r: (typeof rows)[number]) => boolean) =>
      rows.filter(pred).reduce((a, r) => a + r.n, 0);
    const open = sum((r) => r.state === 'pending' || r.state === 'leased');
    const counts = {
      created: sum((r) => r.state === 'done' && r.outcome === 'created'),
      updated: sum((r) => r.state === 'done' && r.outcome === 'updated'),
      unchanged: sum((r) => r.state === 'done' && (r.outcome === 'unchanged' || r.outcome === 'skipped')),
      failed: sum((r) => r.outcome === 'failed' && r.state !== 'pending' && r.state !== 'leased'),
    };
    const finished = open === 0;
    await this.runs.update(this.db, runId, {
      ...counts,
      ...(finished
        ? { status: counts.failed ? 'partial' : 'succeeded', finished_at: this.clock.now() }
        : { status: 'running', finished_at: null }),
    });
  }

  /** Recounts every unfinished run (runs whose deliveries were coalesced into another run's). */
  async refreshOpen(): Promise<void> {
    for (const id of await this.deliveries.openRunIds(this.db)) await this.refresh(id);
  }

  async list(connectionId: number | undefined, limit: number): Promise<RunRow[]> {
    return this.runs.list(this.db, connectionId, limit);
  }

  async get(id: number): Promise<RunRow> {
    const run = await this.runs.get(this.db, id);
    if (!run) throw Problem.notFound('sync run', id);
    return run;
  }
}
