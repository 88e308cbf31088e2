import { insertContacts, listCustomers, startSyncFixture, type SyncFixture } from './support/sync-fixture';

/** Every contact has exactly one Stripe customer and one linked link, and nothing else exists. */
async function expectExactlyOnce(fx: SyncFixture, ids: number[]) {
  const customers = await listCustomers(fx.emu);
  const refs = customers.map((c) => Number(c.metadata.ledgerline_id)).sort((a, b) => a - b);
  expect(customers).toHaveLength(ids.length);
  expect(refs).toEqual([...ids].sort((a, b) => a - b));
  const links = await fx.db('external_links').where({ connection_id: fx.connectionId, object: 'contact' });
  expect(links).toHaveLength(ids.length);
  expect(links.every((l) => l.state === 'linked')).toBe(true);
  const byCustomer = new Map(customers.map((c) => [c.id, Number(c.metadata.ledgerline_id)]));
  for (const l of links) expect(byCustomer.get(l.external_id)).toBe(Number(l.local_id));
}

describe('sync engine under vendor faults (real SDK → emulator, PostgreSQL)', () => {
  let fx: SyncFixture;
  beforeEach(async () => {
    fx = await startSyncFixture({ engine: { worker: { batchSize: 250 } } });
  }, 60_000);
  afterEach(() => fx.close(), 60_000);

  it('pushes 2,000 customers with 20% of calls failing (429, 500, drops before/after the write): exactly 2,000, each linked once', async () => {
    const ids = await insertContacts(fx.db, 2000);
    fx.emu.control.setFaults({ rate429: 0.05, rate500: 0.05, rateDrop: 0.1, dropPhase: 'random' });
    const run = await fx.engine.runs.start({
      connectionId: fx.connectionId,
      object: 'contact',
      trigger: 'api',
    });
    for (let i = 0; i < 5 && (await fx.engine.round()) > 0; i++) {
      // failed deliveries come back after their backoff; the limiter's retries usually make this one round
      await fx
        .db('sync_deliveries')
        .where({ state: 'failed' })
        .update({ next_attempt_at: new Date(0) });
    }
    fx.emu.control.setFaults({});
    const counters = fx.emu.control.counters();
    expect(counters.rateLimited + counters.injected500 + counters.dropped).toBeGreaterThan(300);
    expect(counters.replays).toBeGreaterThan(0); // drops after the write were healed by the same key
    await expectExactlyOnce(fx, ids);
    expect(await fx.engine.runs.get(run.id)).toMatchObject({ status: 'succeeded', created: 2000, failed: 0 });

    // And an unchanged re-sync of all 2,000 makes zero write calls.
    fx.emu.control.resetCounters();
    const again = await fx.engine.runs.start({
      connectionId: fx.connectionId,
      object: 'contact',
      trigger: 'api',
    });
    await fx.engine.round();
    expect(await fx.engine.runs.get(again.id)).toMatchObject({ unchanged: 2000, created: 0, updated: 0 });
    expect(fx.emu.control.counters().writeCalls).toBe(0);

    // The connector's pull sweeps every customer page by page (100 per call).
    const connection = (await fx.db('connections').where({ id: fx.connectionId }).first())!;
    const { connector } = await fx.engine.pool.context(fx.db, connection);
    const seen = new Set<string>();
    let calls = 0;
    for (let cursor: string | null = null; ; calls++) {
      const page = await connector.pull!('contact', cursor);
      page.records.forEach((r) => seen.add(r.externalId));
      if (!(cursor = page.nextCursor)) break;
    }
    expect(seen.size).toBe(2000);
    expect(calls).toBe(19);
  }, 180_000);

  it('heals client timeouts where Stripe applied the write but the answer never arrived', async () => {
    await fx
      .db('connections')
      .where({ id: fx.connectionId })
      .update({
        settings: JSON.stringify({
          ...(await fx.db('connections').where({ id: fx.connectionId }).first()).settings,
          timeout_ms: 100,
        }),
        version: 2,
      });
    const ids = await insertContacts(fx.db, 40);
    fx.emu.control.setFaults({ latencyMs: 250 });
    const lift = setTimeout(() => fx.emu.control.setFaults({}), 600);
    await fx.engine.runs.start({ connectionId: fx.connectionId, object: 'contact', trigger: 'api' });
    for (let i = 0; i < 10 && (await fx.engine.round()) > 0; i++) {
      await fx
        .db('sync_deliveries')
        .where({ state: 'failed' })
        .update({ next_attempt_at: new Date(0) });
    }
    clearTimeout(lift);
    expect(fx.emu.control.counters().replays).toBeGreaterThan(0);
    await expectExactlyOnce(fx, ids);
  }, 180_000);
});
