import type { Db } from '../app/database';
import type { ConnectionRow } from './sync.types';

/** All SQL on `connections`. */
export class ConnectionRepository {
  async insert(db: Db, row: Partial<ConnectionRow>): Promise<ConnectionRow> {
    const [created] = await db('connections')
      .insert({ ...row, settings: JSON.stringify(row.settings ?? {}) })
      .returning('*');
    return created;
  }

  async get(db: Db, id: number, forUpdate = false): Promise<ConnectionRow | undefined> {
    const q = db('connections').where({ id }).first();
    return forUpdate ? q.forUpdate() : q;
  }

  async list(db: Db, includeArchived = false): Promise<ConnectionRow[]> {
    const q = db('connections').orderBy('id');
    if (!includeArchived) q.whereNull('archived_at');
    return q;
  }

  async listActive(db: Db): Promise<ConnectionRow[]> {
    return db('connections').where({ status: 'active' }).whereNull('archived_at').orderBy('id');
  }

  async update(db: Db, id: number, patch: Partial<ConnectionRow>): Promise<ConnectionRow> {
    const values: Record<string, unknown> = { ...patch };
    if (patch.settings) values.settings = JSON.stringify(patch.settings);
    const [row] = await db('connections')
      .where({ id })
      .update({ ...values, version: db.raw('version + 1'), updated_at: db.fn.now() })
      .returning('*');
    return row;
  }

  /** Envelopes of every stored secret (start-up check that the key opens them). */
  async sealedSecrets(db: Db): Promise<{ id: number; credentials_enc: string }[]> {
    return db('connections').whereNotNull('credentials_enc').select('id', 'credentials_enc');
  }

  async latestMapping(db: Db, connectionId: number, object: string, direction: string) {
    return db('mappings')
      .where({ connection_id: connectionId, object, direction })
      .orderBy('version', 'desc')
      .first<{ rules: unknown; version: number } | undefined>();
  }

  /** Sync health of one connection: what waits, what is stuck, what failed, the last run. */
  async health(db: Db, id: number) {
    const states: { state: string; n: number | string }[] = await db('sync_deliveries')
      .where({ connection_id: id })
      .whereIn('state', ['pending', 'leased', 'failed', 'dead'])
      .select('state')
      .count({ n: '*' })
      .groupBy('state');
    const count = (s: string) => Number(states.find((r) => r.state === s)?.n ?? 0);
    const [errors] = await db('sync_errors')
      .where({ connection_id: id })
      .whereNull('resolved_at')
      .count({ n: '*' });
    const lastRun = await db('sync_runs')
      .where({ connection_id: id, plan: false })
      .orderBy('id', 'desc')
      .first('id', 'kind', 'status', 'started_at', 'finished_at');
    return {
      waiting: count('pending') + count('failed'),
      in_flight: count('leased'),
      retrying: count('failed'),
      dead: count('dead'),
      open_errors: Number(errors.n),
      last_run: lastRun ?? null,
    };
  }
}
