import type { Db } from '../app/database';
import type { LinkRow } from './sync.types';

/** All SQL on `external_links`. Both unique keys are enforced by the database, not by us. */
export class LinkRepository {
  async get(db: Db, connectionId: number, object: string, localId: number): Promise<LinkRow | undefined> {
    return db('external_links').where({ connection_id: connectionId, object, local_id: localId }).first();
  }

  async getMany(db: Db, connectionId: number, object: string, localIds: number[]): Promise<LinkRow[]> {
    if (!localIds.length) return [];
    return db('external_links').where({ connection_id: connectionId, object }).whereIn('local_id', localIds);
  }

  /**
   * Writes the pending link (with the exact request and its key) in its own committed statement
   * BEFORE the vendor call. Returns undefined when a link already exists (another worker, or an
   * earlier attempt): the caller then heals from that link instead.
   */
  async insertPending(
    db: Db,
    v: {
      connectionId: number;
      object: string;
      localId: number;
      key: string;
      payload: unknown;
      localVersion: number;
    },
  ): Promise<LinkRow | undefined> {
    const [row] = await db('external_links')
      .insert({
        connection_id: v.connectionId,
        object: v.object,
        local_id: v.localId,
        state: 'pending',
        pending_key: v.key,
        pending_payload: JSON.stringify(v.payload),
        local_version: v.localVersion,
      })
      .onConflict(['connection_id', 'object', 'local_id'])
      .ignore()
      .returning('*');
    return row;
  }

  async markLinked(
    db: Db,
    id: number,
    v: { externalId: string; externalVersion?: string | null; hash: string; localVersion: number },
  ): Promise<LinkRow> {
    const [row] = await db('external_links')
      .where({ id })
      .update({
        state: 'linked',
        external_id: v.externalId,
        external_version: v.externalVersion ?? null,
        content_hash: v.hash,
        local_version: v.localVersion,
        pending_key: null,
        pending_payload: null,
        updated_at: db.fn.now(),
      })
      .returning('*');
    return row;
  }

  async setHash(
    db: Db,
    id: number,
    v: { hash: string; localVersion: number; externalVersion?: string | null },
  ) {
    // A slower worker holding an older version never overwrites a newer one's hash.
    await db('external_links')
      .where({ id })
      .whereRaw('(local_version is null or local_version <= ?)', [v.localVersion])
      .update({
        content_hash: v.hash,
        local_version: v.localVersion,
        ...(v.externalVersion !== undefined ? { external_version: v.externalVersion } : {}),
        updated_at: db.fn.now(),
      });
  }

  async deletePending(db: Db, id: number): Promise<void> {
    await db('external_links').where({ id, state: 'pending' }).del();
  }
}
