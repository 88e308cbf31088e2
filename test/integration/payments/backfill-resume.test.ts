import { startHarness, type Harness } from './harness';

jest.setTimeout(240_000);

let h: Harness;
beforeAll(async () => {
  // No retries inside a pull: an injected 500 ends it, and the next pull must resume.
  h = await startHarness({ settings: { max_attempts: 1, retry_base_ms: 1, retry_max_ms: 2 } });
});
afterAll(async () => {
  await h?.close();
});

it('a backfill stopped again and again resumes each list where it stopped: every object once, linked', async () => {
  const made = h.emu.control.seedHistory({
    charges: 3000,
    days: 12,
    refundEvery: 10,
    disputeEvery: 100,
    achEvery: 5,
  });
  h.emu.control.setFaults({ rate500: 0.1 });
  const created: number[] = [];
  let failures = 0;
  let resumedFromSavedLists = false;
  for (let attempt = 0; attempt < 300; attempt++) {
    const res = await h.svc.request('POST', '/api/v1/payments/pull', {
      body: { connection_id: h.connectionId },
    });
    if (res.status < 300) {
      created.push(res.body.created as number);
      break;
    }
    failures++;
    const lists = await h.svc
      .db('sync_cursors')
      .where({ connection_id: h.connectionId })
      .where('object', 'like', 'payments.backfill.%');
    if (lists.length) resumedFromSavedLists = true;
  }
  h.emu.control.setFaults({});
  expect(failures).toBeGreaterThan(0);
  expect(resumedFromSavedLists).toBe(true);
  expect(created).toHaveLength(1);

  const n = async (t: string) => Number((await h.svc.db(t).count('* as n'))[0].n);
  expect(await n('payments')).toBe(made.charges);
  expect(await n('refunds')).toBe(made.refunds);
  expect(await n('disputes')).toBe(made.disputes);
  expect(await n('payouts')).toBe(made.payouts);
  // Each object was created once over all the attempts: one 'create' outbox row each.
  const creates = await h.svc
    .db('sync_outbox')
    .where({ op: 'create' })
    .whereIn('object', ['payment', 'refund', 'dispute', 'payout'])
    .select('object', 'object_id')
    .count('* as n')
    .groupBy('object', 'object_id')
    .havingRaw('count(*) > 1');
  expect(creates).toEqual([]);
  // Every charge transaction points at its payment, which carries that fee and payout.
  const unlinked = await h.svc
    .db('balance_transactions as b')
    .join('payments as p', 'p.processor_id', 'b.source_external_id')
    .where('b.category', 'charge')
    .where((q) => {
      void q
        .whereRaw('b.payment_id is distinct from p.id')
        .orWhereRaw('p.fee_minor <> b.fee_minor')
        .orWhereRaw('b.payout_id is not null and p.payout_id is distinct from b.payout_id');
    })
    .count('* as n');
  expect(Number(unlinked[0].n)).toBe(0);
  const paidOut = await h.svc.db('payments').whereNotNull('payout_id').count('* as n');
  expect(Number(paidOut[0].n)).toBeGreaterThan(made.charges / 2);
  for (const p of await h.svc.db('payouts').select('amount_minor', 'net_minor'))
    expect(p.net_minor).toBe(p.amount_minor);
  // Nothing of the backfill is left behind, and an unchanged re-run changes nothing.
  expect(
    await h.svc
      .db('sync_cursors')
      .where({ connection_id: h.connectionId })
      .where('object', 'like', 'payments.backfill%'),
  ).toEqual([]);
  const again = await h.svc.request('POST', '/api/v1/payments/pull', {
    body: { connection_id: h.connectionId },
  });
  expect(again.body).toMatchObject({ mode: 'events', created: 0, updated: 0 });
});
