import type { Knex } from 'knex';
import type { Clock } from '../app/clock';
import { ConnectionRepository } from './connection.repository';
import type { ConnectorPool } from './connector-pool';
import { DeliveryRepository } from './delivery.repository';
import { OutboxRepository } from './outbox.repository';
import { RunRepository } from './run.repository';
import { SYNC_OBJECTS } from './sync.types';

const BATCH = 1000;

export const consumerFor = (connectionId: number) => `connection:${connectionId}`;

/**
 * Fans sync_outbox out into sync_deliveries, one consumer cursor per connection. Each round runs
 * in one transaction holding the consumer's cursor row lock, so concurrent dispatchers (several
 * processes) serialise per connection and a crash rolls back both the deliveries and the cursor.
 */
export class Dispatcher {
  private readonly outbox = new OutboxRepository();
  private readonly connections = new ConnectionRepository();
  private readonly deliveries = new DeliveryRepository();
  private readonly runs = new RunRepository();

  constructor(
    private readonly db: Knex,
    private readonly pool: ConnectorPool,
    private readonly clock: Clock,
  ) {}

  /** Registers a new connection's cursor at the current horizon (older rows belong to a full run). */
  async register(trx: Knex.Transaction, connectionId: number) {
    await this.outbox.lockCursor(trx, consumerFor(connectionId), () => this.outbox.horizon(trx));
  }

  /** One round over all active connections; returns the number of deliveries written. */
  async dispatch(): Promise<number> {
    let written = 0;
    for (const connection of await this.connections.listActive(this.db)) {
      const objects = new Set(this.pool.pushObjects(connection.vendor).filter((o) => SYNC_OBJECTS[o]));
      for (;;) {
        const n = await this.db.transaction(async (trx) => {
          const consumer = consumerFor(connection.id);
          const horizon = await this.outbox.horizon(trx);
          const cursor = await this.outbox.lockCursor(trx, consumer, async () => horizon);
          const rows = await this.outbox.readAfter(trx, cursor, horizon, BATCH);
          if (!rows.length) return -1;
          const wanted = rows.filter((r) => objects.has(r.object));
          if (wanted.length) {
            const run = await this.runs.insert(trx, {
              connection_id: connection.id,
              kind: 'incremental',
              trigger: 'outbox',
              status: 'running',
              total: wanted.length,
              started_at: this.clock.now(),
            });
            await this.deliveries.enqueue(
              trx,
              connection.id,
              run.id,
              wanted.map((r) => ({
                object: r.object,
                object_id: r.object_id,
                version: r.version,
                op: r.op,
                outbox_id: r.id,
              })),
              this.clock.now(),
              false,
            );
          }
          const last = rows[rows.length - 1];
          await this.outbox.advance(trx, consumer, { lastTxid: last.txid, lastId: last.id });
          return wanted.length;
        });
        if (n < 0) break;
        written += n;
      }
    }
    return written;
  }

  async prune(): Promise<number> {
    return this.outbox.prune(this.db);
  }
}
