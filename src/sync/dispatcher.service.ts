import type { Knex } from 'knex';
import type { Clock } from '../app/clock';
import { ConnectionRepository } from './connection.repository';
import type { ConnectorPool } from './connector-pool';
import { DeliveryRepository } from './delivery.repository';
import { OutboxConsumer } from './outbox-consumer';
import { OutboxRepository } from './outbox.repository';
import { RunRepository } from './run.repository';
import { SYNC_OBJECTS } from './sync.types';

const BATCH = 1000;

export const consumerFor = (connectionId: number) => `connection:${connectionId}`;

/**
 * Fans sync_outbox out into sync_deliveries, one consumer cursor per connection (OutboxConsumer).
 * Each batch runs in one transaction holding the consumer's cursor row lock, so concurrent
 * dispatchers (several processes) serialise per connection and a crash rolls back both the
 * deliveries and the cursor.
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
      await new OutboxConsumer(this.db, consumerFor(connection.id), BATCH).poll(async (trx, rows) => {
        const wanted = rows.filter((r) => objects.has(r.object));
        if (!wanted.length) return;
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
        written += wanted.length;
      });
    }
    return written;
  }

  async prune(): Promise<number> {
    return this.outbox.prune(this.db);
  }
}
