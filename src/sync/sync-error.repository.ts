import type { Db } from '../app/database';

export interface SyncErrorInput {
  connectionId: number;
  object: string;
  localId: number | null;
  deliveryId?: number | null;
  runId?: number | null;
  code: string;
  message: string;
  retryable: boolean;
  nextAttemptAt: Date | null;
}

/** All SQL on `sync_errors`: one open row per failing record, attempts counted, resolved on success. */
export class SyncErrorRepository {
  async record(db: Db, e: SyncErrorInput): Promise<void> {
    const open = await db('sync_errors')
      .where({ connection_id: e.connectionId, object: e.object, local_id: e.localId })
      .whereNull('resolved_at')
      .first('id');
    const values = {
      delivery_id: e.deliveryId ?? null,
      run_id: e.runId ?? null,
      code: e.code,
      message: e.message.slice(0, 2000),
      retryable: e.retryable,
      next_attempt_at: e.nextAttemptAt,
    };
    if (open) {
      await db('sync_errors')
        .where({ id: open.id })
        .update({ ...values, attempts: db.raw('attempts + 1') });
    } else {
      await db('sync_errors').insert({
        ...values,
        connection_id: e.connectionId,
        object: e.object,
        local_id: e.localId,
      });
    }
  }

  async resolve(db: Db, connectionId: number, object: string, localId: number, at: Date): Promise<void> {
    await db('sync_errors')
      .where({ connection_id: connectionId, object, local_id: localId })
      .whereNull('resolved_at')
      .update({ resolved_at: at });
  }

  async listOpen(db: Db, connectionId: number, limit = 100) {
    return db('sync_errors')
      .where({ connection_id: connectionId })
      .whereNull('resolved_at')
      .orderBy('id')
      .limit(limit);
  }
}
