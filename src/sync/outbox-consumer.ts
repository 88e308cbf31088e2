import type { Knex } from 'knex';
import { OutboxRepository, type OutboxRow } from './outbox.repository';

/**
 * Reads sync_outbox for any consumer other than the sync dispatcher (warehouse, automation, …)
 * with the same guarantee: every committed change is seen exactly once in (txid, id) order, none
 * is skipped because it committed late. The handler runs in the transaction that advances the
 * cursor, so its own writes and the new position commit together (at-least-once otherwise).
 *
 *   const consumer = new OutboxConsumer(db, 'automation');
 *   await consumer.poll(async (trx, rows) => { ... });
 */
export class OutboxConsumer {
  private readonly outbox = new OutboxRepository();

  constructor(
    private readonly db: Knex,
    readonly name: string,
    private readonly batchSize = 1000,
  ) {}

  /** Handles every visible batch; returns how many rows were handed to `handler`. */
  async poll(handler: (trx: Knex.Transaction, rows: OutboxRow[]) => Promise<void>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.transaction(async (trx) => {
        const horizon = await this.outbox.horizon(trx);
        const cursor = await this.outbox.lockCursor(trx, this.name, async () => horizon);
        const rows = await this.outbox.readAfter(trx, cursor, horizon, this.batchSize);
        if (!rows.length) return 0;
        await handler(trx, rows);
        const last = rows[rows.length - 1];
        await this.outbox.advance(trx, this.name, { lastTxid: last.txid, lastId: last.id });
        return rows.length;
      });
      if (!n) return total;
      total += n;
    }
  }
}
