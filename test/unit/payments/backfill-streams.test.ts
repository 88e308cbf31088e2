import { Buffer, listInto, payoutsInto, positionsOfLegacy } from '../../../src/payments/backfill-streams';
import type { ProcessorRecord, SourcePage } from '../../../src/payments/payment-source.port';

const rec = (id: string) => ({ kind: 'payout', externalId: id }) as unknown as ProcessorRecord;
const tick = () => new Promise((r) => setTimeout(r, 1));

/** A list of `n` records in pages of `size`, like Stripe's (next = last id when there is more). */
function pages(prefix: string, n: number, size: number) {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
  return async (after: string | null): Promise<SourcePage> => {
    await tick();
    const from = after ? ids.indexOf(after) + 1 : 0;
    const part = ids.slice(from, from + size);
    return { records: part.map(rec), next: from + size < n ? part[part.length - 1] : null };
  };
}

async function drain(b: Buffer, max: number) {
  const out: { ids: string[]; next: string | null }[] = [];
  for (let c; (c = await b.next(max));)
    out.push({ ids: c.flatMap((x) => x.records.map((r) => r.externalId)), next: c[c.length - 1].next });
  return out;
}

describe('backfill streams', () => {
  it('lists every page once, in order, never more than the buffer ahead', async () => {
    const b = new Buffer(2);
    let fetched = 0;
    const list = pages('ch', 950, 100);
    void listInto(b, (after) => (fetched++, list(after)), null);
    await new Promise((r) => setTimeout(r, 30));
    expect(fetched).toBeLessThanOrEqual(3); // two buffered, one waiting for room
    const got = await drain(b, 3);
    expect(got.flatMap((g) => g.ids)).toEqual(Array.from({ length: 950 }, (_, i) => `ch_${i}`));
    expect(got[got.length - 1].next).toBeNull();
  });

  it('hands out payouts with their transactions in list order, each with the position after it', async () => {
    const b = new Buffer(2);
    const txns = async (id: string) => {
      await new Promise((r) => setTimeout(r, id.endsWith('1') ? 15 : 1)); // out-of-order completion
      return [rec(`${id}_t`)];
    };
    void payoutsInto(b, pages('po', 5, 2), txns, null, 3);
    const got = await drain(b, 1);
    expect(got).toEqual([
      { ids: ['po_0', 'po_0_t'], next: 'po_0' },
      { ids: ['po_1', 'po_1_t'], next: 'po_1' }, // resume would continue after po_1
      { ids: ['po_2', 'po_2_t'], next: 'po_2' },
      { ids: ['po_3', 'po_3_t'], next: 'po_3' },
      { ids: ['po_4', 'po_4_t'], next: null },
    ]);
  });

  it('surfaces a listing failure after what was listed before it', async () => {
    const b = new Buffer(5);
    const list = pages('re', 300, 100);
    void listInto(
      b,
      async (after) => {
        if (after === 're_199') throw new Error('boom');
        return list(after);
      },
      null,
    );
    expect((await b.next(1))?.[0].next).toBe('re_99');
    expect((await b.next(1))?.[0].next).toBe('re_199');
    await expect(b.next(1)).rejects.toThrow('boom');
  });

  it('reads a cursor of the former format as positions per list', () => {
    expect(positionsOfLegacy('dispute', 'dp_9')).toEqual({
      charge: { after: null, done: true },
      refund: { after: null, done: true },
      dispute: { after: 'dp_9', done: false },
      payout: { after: null, done: false },
    });
  });
});
