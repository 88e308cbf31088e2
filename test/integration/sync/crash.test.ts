import { exited, forkWorker, seeded, type ChildMessage } from './support/child';
import { insertContacts, listCustomers, startSyncFixture, type SyncFixture } from './support/sync-fixture';

const SEED = Number(process.env.SYNC_CRASH_SEED ?? 20260101);
const TARGET_KILLS = 24;
const STAGES = ['pending-committed', 'vendor-call', 'in-flight', 'vendor-returned', 'linked'];

describe('kill -9 of a worker process inside the pending-link → vendor call → commit window', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await startSyncFixture();
  });
  afterAll(() => fx.close());

  it(`restarts after ${TARGET_KILLS} seeded kills (seed ${SEED}) and ends with exactly one Stripe customer per contact`, async () => {
    const ids = await insertContacts(fx.db, 80);
    await fx.engine.runs.start({ connectionId: fx.connectionId, object: 'contact', trigger: 'api' });
    // A little latency keeps requests in flight long enough to be killed mid-call.
    fx.emu.control.setFaults({ latencyMs: 15 });
    const random = seeded(SEED);
    const kills: Record<string, number> = {};
    let totalKills = 0;
    let lives = 0;
    for (let done = false; !done;) {
      expect(lives++).toBeLessThan(200);
      const child = forkWorker({
        DATABASE_URL: fx.testDb.url,
        WORKER_ID: 'crash-worker-1',
        PAUSE_AT_STAGES: '1',
        BATCH_SIZE: '4',
      });
      let killed = false;
      const kill = (stage: string) => {
        if (killed) return;
        killed = true;
        totalKills++;
        kills[stage] = (kills[stage] ?? 0) + 1;
        child.kill('SIGKILL');
      };
      // Each life aims at one step of the window, in turn: the worker pushes several deliveries
      // at once (two leased batches in flight), so the first messages of a life are mostly early
      // steps, and kills chosen by chance alone could all land there.
      const target = STAGES[(lives - 1) % STAGES.length];
      child.on('message', (m: ChildMessage) => {
        if (m.error) throw new Error(m.error);
        if (m.done) done = true;
        if (!m.stage || killed) return;
        const atTarget = m.stage === (target === 'in-flight' ? 'vendor-call' : target);
        const wantKill = totalKills < TARGET_KILLS && atTarget && random() < 0.8;
        if (wantKill && target === 'in-flight') {
          // Let the request go out, then kill while Stripe is handling it.
          child.send({ go: m.id });
          setTimeout(() => kill('in-flight'), 5 + Math.floor(random() * 10));
        } else if (wantKill) kill(m.stage);
        else child.send({ go: m.id });
      });
      await exited(child);
    }
    fx.emu.control.setFaults({});
    expect(totalKills).toBeGreaterThanOrEqual(20);
    // Every step of the window was hit at least once.
    for (const stage of STAGES) expect(kills[stage] ?? 0).toBeGreaterThan(0);

    const customers = await listCustomers(fx.emu);
    expect(customers).toHaveLength(ids.length);
    expect(customers.map((c) => Number(c.metadata.ledgerline_id)).sort((a, b) => a - b)).toEqual(ids);
    const links = await fx
      .db('external_links')
      .where({ connection_id: fx.connectionId, object: 'contact', state: 'linked' });
    expect(links).toHaveLength(ids.length);
    expect(await fx.db('sync_deliveries').whereNot({ state: 'done' })).toEqual([]);

    // Whatever the crashes left behind, an unchanged re-sync writes nothing.
    fx.emu.control.resetCounters();
    await fx.engine.runs.start({ connectionId: fx.connectionId, object: 'contact', trigger: 'api' });
    await fx.engine.round();
    expect(fx.emu.control.counters().writeCalls).toBe(0);
  }, 180_000);
});
