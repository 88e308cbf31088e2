import { pull, startHarness, type Harness } from './harness';

jest.setTimeout(240_000);

let h: Harness;
beforeAll(async () => {
  // Fast retries so 20% faults cost little wall time; the client timeout stays above the hang.
  h = await startHarness({
    settings: { retry_base_ms: 5, retry_max_ms: 50, max_attempts: 20, timeout_ms: 2000 },
  });
});
afterAll(async () => {
  await h?.close();
});

it('backfills 10,000 charges under 20% injected faults into exactly 10,000 payments', async () => {
  const made = h.emu.control.seedHistory({
    charges: 10_000,
    days: 20,
    refundEvery: 25,
    disputeEvery: 200,
    achEvery: 7,
  });
  expect(made.charges).toBe(10_000);
  h.emu.control.setFaults({ rate429: 0.08, rate500: 0.08, rateDrop: 0.04, dropPhase: 'random' });

  const summary = await pull(h);
  h.emu.control.setFaults({});
  expect(summary.mode).toBe('backfill');
  const n = async (t: string) => Number((await h.svc.db(t).count('* as n'))[0].n);
  expect(await n('payments')).toBe(10_000);
  expect(await n('refunds')).toBe(made.refunds);
  expect(await n('disputes')).toBe(made.disputes);
  expect(await n('payouts')).toBe(made.payouts);
  // Each payment once, with its fee; payouts composed to the cent.
  const dupes = await h.svc
    .db('payments')
    .select('processor_id')
    .groupBy('processor_id')
    .havingRaw('count(*) > 1');
  expect(dupes).toHaveLength(0);
  const payouts = await h.svc.db('payouts').select('amount_minor', 'net_minor', 'gross_minor', 'fees_minor');
  for (const p of payouts) expect(p.net_minor).toBe(p.amount_minor);
  const achCount = await h.svc.db('payments').where({ method: 'ach' }).count('* as n');
  expect(Number(achCount[0].n)).toBeGreaterThan(1000);
  // An unchanged re-run writes nothing.
  const again = await pull(h);
  expect(again).toMatchObject({ created: 0, updated: 0 });
});
