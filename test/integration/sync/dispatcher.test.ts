import type { Knex } from 'knex';
import { OutboxConsumer } from '../../../src/sync/outbox-consumer';
import { eventually, startSyncFixture, type SyncFixture } from './support/sync-fixture';

/** A contact and its outbox row written inside `trx` (as the CRUD kit does). */
async function writeContact(trx: Knex.Transaction, email: string): Promise<number> {
  const [row] = await trx('contacts').insert({ email }).returning('id');
  await trx('sync_outbox').insert({ object: 'contact', object_id: row.id, version: 1, op: 'create' });
  return Number(row.id);
}

describe('dispatcher: sync_outbox → sync_deliveries by per-consumer (txid, id) cursor', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await startSyncFixture();
  });
  afterAll(() => fx.close());

  const delivered = async () =>
    (await fx.db('sync_deliveries').where({ connection_id: fx.connectionId }).select('object_id'))
      .map((r) => Number(r.object_id))
      .sort((a, b) => a - b);

  it('does not skip a row whose transaction took a smaller id but committed later', async () => {
    const a = await fx.db.transaction();
    const idA = await writeContact(a, 'late@example.com'); // smaller outbox id, still open
    const idB = await fx.db.transaction((b) => writeContact(b, 'early@example.com'));
    expect((await fx.db('sync_outbox').where({ object_id: idB }).first()).id).toBeGreaterThan(
      Number((await a('sync_outbox').where({ object_id: idA }).first()).id),
    );
    await fx.engine.dispatcher.dispatch();
    // B's transaction is newer than the oldest open one (A): it waits with it, nothing is skipped.
    expect(await delivered()).toEqual([]);
    await a.commit();
    await eventually(
      () => fx.engine.dispatcher.dispatch(),
      async () => expect(await delivered()).toEqual([idA, idB].sort((x, y) => x - y)),
    );
  });

  it('delivers an older finished transaction at once and a newer one with a smaller id when it commits', async () => {
    await fx.db('sync_deliveries').del();
    const b = await fx.db.transaction();
    await b.raw('select pg_current_xact_id()'); // B gets its transaction id first…
    const a = await fx.db.transaction();
    const idA = await writeContact(a, 'a@example.com'); // …A takes the smaller outbox id
    const idB = await writeContact(b, 'b@example.com');
    await b.commit();
    // B is below the horizon (only A, newer, is open): safe to pass while A is still open.
    await eventually(
      () => fx.engine.dispatcher.dispatch(),
      async () => expect(await delivered()).toEqual([idB]),
    );
    await a.commit();
    await eventually(
      () => fx.engine.dispatcher.dispatch(),
      async () => expect(await delivered()).toEqual([idA, idB].sort((x, y) => x - y)),
    );
    // Idempotent: another round finds nothing new.
    expect(await fx.engine.dispatcher.dispatch()).toBe(0);
  });

  it('coalesces repeated changes of one record into one waiting delivery, and ignores unsynced objects', async () => {
    await fx.db('sync_deliveries').del();
    const id = await fx.db.transaction((t) => writeContact(t, 'c@example.com'));
    await fx.db.transaction(async (t) => {
      await t('sync_outbox').insert({ object: 'contact', object_id: id, version: 2, op: 'update' });
      await t('sync_outbox').insert({ object: 'deal', object_id: 1, version: 1, op: 'create' });
    });
    await fx.db.transaction((t) =>
      t('sync_outbox').insert({ object: 'contact', object_id: id, version: 3, op: 'update' }),
    );
    const rows = await eventually(
      () => fx.engine.dispatcher.dispatch(),
      async () => {
        const found = await fx.db('sync_deliveries').where({ connection_id: fx.connectionId });
        expect(found.map((r) => r.version)).toEqual([3]);
        return found;
      },
    );
    expect(rows[0]).toMatchObject({ object: 'contact', object_id: id, state: 'pending' });
  });

  it('serves other consumers with the same cursor: each row once, and a failed handler does not advance', async () => {
    const consumer = new OutboxConsumer(fx.db, 'test-consumer', 2);
    await consumer.poll(async () => undefined); // registers at the horizon
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await fx.db.transaction((t) => writeContact(t, `oc${i}@example.com`)));
    // Once the rows are visible (older transactions elsewhere on the server may hold them back a
    // moment), a failing handler rolls back and leaves the cursor where it was.
    await eventually(
      async () => undefined,
      () =>
        expect(
          consumer.poll(async () => {
            throw new Error('handler failed');
          }),
        ).rejects.toThrow('handler failed'),
    );
    const seen: number[] = [];
    await eventually(
      () => consumer.poll(async (_trx, rows) => void seen.push(...rows.map((r) => r.object_id))),
      async () => expect(seen).toEqual(ids),
    );
    expect(await consumer.poll(async () => undefined)).toBe(0);
  });

  it('prunes outbox rows every consumer has passed once they are a day old', async () => {
    await fx.engine.dispatcher.dispatch();
    await fx.db('sync_consumer_cursors').where({ consumer: 'test-consumer' }).del();
    const cursor = await fx.db('sync_consumer_cursors').orderBy(['last_txid', 'last_id']).first();
    const old = new Date(Date.now() - 2 * 86_400_000);
    await fx.db('sync_outbox').update({ at: old });
    const [fresh] = await fx
      .db('sync_outbox')
      .insert({ object: 'contact', object_id: 1, version: 9, op: 'update' })
      .returning('*');
    await fx.db('sync_outbox').where({ id: fresh.id }).update({ at: old }); // old, but no consumer passed it
    const ids = async (where: string) =>
      (
        await fx
          .db('sync_outbox')
          .whereRaw(`(txid, id) ${where} (?, ?)`, [cursor.last_txid, cursor.last_id])
          .select('id')
      )
        .map((r) => Number(r.id))
        .sort((x, y) => x - y);
    const passed = await ids('<=');
    const kept = await ids('>');
    expect(passed.length).toBeGreaterThan(0);
    expect(kept).toContain(Number(fresh.id));
    expect(await fx.engine.dispatcher.prune()).toBe(passed.length);
    expect((await fx.db('sync_outbox').select('id')).map((r) => Number(r.id)).sort((x, y) => x - y)).toEqual(
      kept,
    );
  });
});
