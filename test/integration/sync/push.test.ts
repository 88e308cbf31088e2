import { SYSTEM_ACTOR } from '../../../src/app/auth/access';
import { RecordService } from '../../../src/app/crud/record.service';
import { contactResource } from '../../../src/crm/contact.resource';
import { ManualClock } from '../../../src/app/clock';
import { DeliveryRepository } from '../../../src/sync/delivery.repository';
import { SyncWorker } from '../../../src/sync/sync.worker';
import {
  eventually,
  insertContacts,
  listCustomers,
  startSyncFixture,
  type SyncFixture,
} from './support/sync-fixture';

describe('sync engine: push contacts as Stripe customers (real SDK → emulator, PostgreSQL)', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await startSyncFixture();
  });
  afterAll(() => fx.close());

  it('creates, leaves unchanged, updates and archives with links, hashes and run counts', async () => {
    const ids = await insertContacts(fx.db, 5);
    const run = await fx.engine.runs.start({
      connectionId: fx.connectionId,
      object: 'contact',
      trigger: 'api',
    });
    expect(run).toMatchObject({ status: 'running', total: 5 });
    await fx.engine.round();
    expect(await fx.engine.runs.get(run.id)).toMatchObject({
      status: 'succeeded',
      created: 5,
      updated: 0,
      unchanged: 0,
      failed: 0,
    });

    const customers = await listCustomers(fx.emu);
    expect(customers).toHaveLength(5);
    const links = await fx
      .db('external_links')
      .where({ connection_id: fx.connectionId, object: 'contact' })
      .orderBy('local_id');
    expect(links.map((l) => [Number(l.local_id), l.state])).toEqual(ids.map((id) => [id, 'linked']));
    const byId = new Map(customers.map((c) => [c.id, c]));
    for (const l of links) {
      const c = byId.get(l.external_id)!;
      expect(c.metadata).toMatchObject({ ledgerline_id: String(l.local_id), ledgerline_object: 'contact' });
      expect(c.email).toMatch(/^ada\d+@example\.com$/);
      expect(l.content_hash).toMatch(/^[0-9a-f]{64}$/);
    }

    // Unchanged re-sync: zero write calls.
    fx.emu.control.resetCounters();
    const again = await fx.engine.runs.start({
      connectionId: fx.connectionId,
      object: 'contact',
      trigger: 'api',
    });
    await fx.engine.round();
    expect(await fx.engine.runs.get(again.id)).toMatchObject({
      status: 'succeeded',
      created: 0,
      updated: 0,
      unchanged: 5,
    });
    expect(fx.emu.control.counters().writeCalls).toBe(0);

    // A change through the canonical service flows outbox → dispatcher → delivery → update.
    const records = new RecordService(fx.db as any, contactResource);
    await records.update(SYSTEM_ACTOR, ids[0], { last_name: 'Byron', phone: '+44 20 7946 0000' });
    await eventually(
      () => fx.engine.round(),
      async () => {
        const updated = (await listCustomers(fx.emu)).find(
          (c) => c.metadata.ledgerline_id === String(ids[0]),
        )!;
        expect(updated).toMatchObject({ name: 'Ada0 Byron', phone: '+44 20 7946 0000' });
      },
    );
    expect(fx.emu.control.counters().writeCalls).toBe(1);

    // Archive = metadata flag; restore clears it; the customer is never deleted.
    const customer1 = async () =>
      (await listCustomers(fx.emu)).find((c) => c.metadata.ledgerline_id === String(ids[1]))!;
    await records.setArchived(SYSTEM_ACTOR, ids[1], true);
    await eventually(
      () => fx.engine.round(),
      async () => expect((await customer1()).metadata.ledgerline_archived).toBe('true'),
    );
    await records.setArchived(SYSTEM_ACTOR, ids[1], false);
    await eventually(
      () => fx.engine.round(),
      async () => expect((await customer1()).metadata.ledgerline_archived).toBeUndefined(),
    );
    expect(await listCustomers(fx.emu)).toHaveLength(5);
  });

  it('heals a pending link by looking the customer up by reference when the idempotency key is no longer usable', async () => {
    const [id] = await insertContacts(fx.db, 1, 100);
    // As if a create went through long ago (key expired) and the worker died before linking it.
    const made = await fetch(`${fx.emu.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_ledgerline',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `email=ada100%40example.com&metadata[ledgerline_id]=${id}&metadata[ledgerline_object]=contact`,
    }).then((r) => r.json() as Promise<{ id: string }>);
    await fx.db('external_links').insert({
      connection_id: fx.connectionId,
      object: 'contact',
      local_id: id,
      state: 'pending',
      pending_key: 'expired-key-that-stripe-forgot',
      pending_payload: JSON.stringify({
        email: 'ada100@example.com',
        metadata: { ledgerline_id: String(id), ledgerline_object: 'contact' },
      }),
      local_version: 1,
    });
    const before = (await listCustomers(fx.emu)).length;
    fx.emu.control.resetCounters();
    const run = await fx.engine.runs.start({
      connectionId: fx.connectionId,
      object: 'contact',
      trigger: 'api',
    });
    await fx.engine.round();
    expect(await fx.engine.runs.get(run.id)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(await listCustomers(fx.emu)).toHaveLength(before);
    const link = await fx
      .db('external_links')
      .where({ connection_id: fx.connectionId, object: 'contact', local_id: id })
      .first();
    expect(link).toMatchObject({ state: 'linked', external_id: made.id, pending_key: null });
    // No create call: one update brought the found customer to the record's full current state.
    expect(fx.emu.control.counters().requests['POST /v1/customers'] ?? 0).toBe(0);
    const healed = (await listCustomers(fx.emu)).find((c) => c.id === made.id)!;
    expect(healed).toMatchObject({
      name: 'Ada100 Lovelace100',
      address: expect.objectContaining({ country: 'GB' }),
    });
  });

  it('takes over a delivery whose worker vanished once its lease expired, and not before', async () => {
    await fx.engine.round(); // nothing else due
    const [id] = await insertContacts(fx.db, 1, 200);
    const clock = new ManualClock(new Date());
    const deliveries = new DeliveryRepository();
    await deliveries.enqueue(
      fx.db,
      fx.connectionId,
      null,
      [{ object: 'contact', object_id: id, version: 1, op: 'create' }],
      clock.now(),
    );
    // A worker leases the delivery and dies without a trace.
    const [lost] = await deliveries.lease(fx.db, 'vanished', 10, 30_000, clock.now());
    expect(lost).toMatchObject({ object_id: id, state: 'leased', attempts: 1 });
    const other = new SyncWorker(fx.db, fx.engine.pool, clock, { workerId: 'survivor', leaseMs: 30_000 });
    expect(await other.tick()).toBe(0);
    clock.advance(31_000);
    expect(await other.tick()).toBe(1);
    expect(await fx.db('sync_deliveries').where({ id: lost.id }).first()).toMatchObject({
      state: 'done',
      outcome: 'created',
      leased_by: 'survivor',
      attempts: 2,
    });
    expect((await listCustomers(fx.emu)).filter((c) => c.metadata.ledgerline_id === String(id))).toHaveLength(
      1,
    );
  });
});
