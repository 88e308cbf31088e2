import { exited, forkWorker, type ChildMessage } from './support/child';
import { insertContacts, listCustomers, startSyncFixture, type SyncFixture } from './support/sync-fixture';

describe('two worker processes on one database', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await startSyncFixture();
  });
  afterAll(() => fx.close());

  it('share the deliveries (SKIP LOCKED): no delivery is handled twice, one customer per contact', async () => {
    const ids = await insertContacts(fx.db, 300);
    await fx.engine.runs.start({ connectionId: fx.connectionId, object: 'contact', trigger: 'api' });
    fx.emu.control.setFaults({ latencyMs: 3 });
    const handledBy = new Map<number, string[]>();
    const children = ['worker-a', 'worker-b'].map((workerId) => {
      const child = forkWorker({ DATABASE_URL: fx.testDb.url, WORKER_ID: workerId, BATCH_SIZE: '10' });
      child.on('message', (m: ChildMessage) => {
        if (m.error) throw new Error(m.error);
        if (m.settled !== undefined)
          handledBy.set(m.settled, [...(handledBy.get(m.settled) ?? []), workerId]);
      });
      return child;
    });
    expect(await Promise.all(children.map(exited))).toEqual([0, 0]);
    fx.emu.control.setFaults({});

    const deliveries = await fx.db('sync_deliveries').select('id', 'state', 'attempts', 'leased_by');
    expect(deliveries).toHaveLength(300);
    expect(handledBy.size).toBe(300);
    for (const d of deliveries) {
      expect(handledBy.get(Number(d.id))).toHaveLength(1);
      expect(d).toMatchObject({ state: 'done', attempts: 1 });
    }
    // Both processes really took part.
    const perWorker = [...handledBy.values()]
      .flat()
      .reduce<Record<string, number>>((acc, w) => ({ ...acc, [w]: (acc[w] ?? 0) + 1 }), {});
    expect(perWorker['worker-a']).toBeGreaterThan(20);
    expect(perWorker['worker-b']).toBeGreaterThan(20);

    const counters = fx.emu.control.counters();
    expect(counters.writeCalls).toBe(300);
    const customers = await listCustomers(fx.emu);
    expect(customers.map((c) => Number(c.metadata.ledgerline_id)).sort((a, b) => a - b)).toEqual(ids);
  }, 120_000);
});
