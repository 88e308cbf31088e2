import { sqlLiteral } from '../app/sql-literal';
import type { Knex } from 'knex';
import type { Row } from './payment.repository';

/** Rows per statement: one JSON parameter each, so the bind-parameter limit does not apply. */
const CHUNK = 5000;

const quoted = (cols: string[], prefix = '') => cols.map((c) => `${prefix}"${c}"`).join(', ');

/*
 * Lookups by source id match on source_external_id alone and check the processor afterwards:
 * with one processor the (processor, processor_id) index matches every row, and right after a
 * bulk load (stale statistics) the planner would AND it with the source index at great cost.
 */

/**
 * Set-based inserts of new processor objects: each chunk is ONE statement that inserts the rows
 * (typed by the table itself through jsonb_populate_recordset), links them with the balance
 * transactions already mirrored, and writes their audit and outbox rows (and, for payments, the
 * first status history row) from what it inserted — the same rows ChangeCapture would write, with
 * no per-row round trip and no row sent back to Node. Refunds, disputes and payouts are passed
 * only when not stored yet (looked up under the same transaction); payments may be passed blind.
 */
export class BulkInsertRepository {
  /**
   * New payments; those already stored (a concurrent writer, or a caller that did not look)
   * are left alone and their processor ids returned in `stored`. `fee_minor` null = not known from the charge: the mirrored balance transaction's
   * fee is used. `net_minor` carries the gross for succeeded charges (null otherwise): the net is
   * gross minus that fee, 0 when the charge did not succeed. A payment whose balance transaction
   * was already paid out gets its payout at once (no later update, audit and outbox row).
   */
  async payments(
    trx: Knex.Transaction,
    rows: Row[],
    source: string,
  ): Promise<{ created: number; stored: string[] }> {
    const out = { created: 0, stored: [] as string[] };
    if (!rows.length) return out;
    const cols = columnsOf(rows, ['fee_minor', 'net_minor', 'payout_id']);
    for (let i = 0; i < rows.length; i += CHUNK) {
      const { rows: answer } = await trx.raw(
        `with r as (select * from jsonb_populate_recordset(null::payments, ?::jsonb)),
         ins as (
           insert into payments (${quoted(cols)}, fee_minor, net_minor, payout_id)
           select ${quoted(cols, 'r.')},
             coalesce(r.fee_minor, bt.fee_minor, 0),
             case when r.net_minor is null then 0 else r.net_minor - coalesce(r.fee_minor, bt.fee_minor, 0) end,
             bt.payout_id
           from r left join lateral (
             select b.processor, b.fee_minor, b.payout_id from balance_transactions b
             where b.source_external_id = r.processor_id and b.category = 'charge'
             order by b.id limit 1
           ) bt on bt.processor = r.processor
           on conflict (processor, processor_id) do nothing
           returning *
         ),
         h as (
           insert into payment_status_history (payment_id, from_status, status, at, source)
           select id, null, status, now(), ? from ins
         ),
         ${capture('payment')},
         l as (
           update balance_transactions b set payment_id = ins.id from ins
           where b.processor = ins.processor and b.source_external_id = ins.processor_id
             and b.payment_id is null
         )
         select (select count(*)::int from ins) as n,
           array(select r.processor_id from r where not exists
             (select 1 from ins where ins.processor_id = r.processor_id)) as stored`,
        [JSON.stringify(rows.slice(i, i + CHUNK)), source],
      );
      const [res] = answer as { n: number; stored: string[] }[];
      out.created += res.n;
      out.stored.push(...res.stored);
    }
    return out;
  }

  /**
   * New refunds, disputes or payouts, linked both ways with mirrored balance transactions:
   * a refund takes the payout its transaction was paid out in, and each transaction naming the new
   * object points at it.
   */
  async records(
    trx: Knex.Transaction,
    table: 'refunds' | 'disputes' | 'payouts',
    object: string,
    rows: Row[],
  ): Promise<number> {
    if (!rows.length) return 0;
    const cols = columnsOf(rows, ['payout_id']);
    const payout = table === 'refunds';
    const link =
      table === 'payouts'
        ? `update balance_transactions b set payout_id = ins.id from ins
           where b.processor = ins.processor and b.payout_external_id = ins.processor_id
             and b.payout_id is null`
        : `update balance_transactions b set ${table === 'refunds' ? 'refund_id' : 'dispute_id'} = ins.id
           from ins where b.processor = ins.processor and b.source_external_id = ins.processor_id`;
    let n = 0;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const { rows: out } = await trx.raw(
        `with r as (select * from jsonb_populate_recordset(null::??, ?::jsonb)),
         ins as (
           insert into ?? (${quoted(cols)}${payout ? ', payout_id' : ''})
           select ${quoted(cols, 'r.')}${payout ? ', bt.payout_id' : ''}
           from r ${
             payout
               ? `left join lateral (
                    select b.processor, b.payout_id from balance_transactions b
                    where b.source_external_id = r.processor_id and b.payout_id is not null
                    order by b.id limit 1
                  ) bt on bt.processor = r.processor`
               : ''
           }
           returning *
         ),
         ${capture(object)},
         l as (${link})
         select count(*)::int as n from ins`,
        [table, JSON.stringify(rows.slice(i, i + CHUNK)), table],
      );
      n += (out as { n: number }[])[0].n;
    }
    return n;
  }

  /**
   * Balance transactions: a mirror upserted by (processor, processor_id), no canonical history;
   * each row is linked here to the payment, refund or dispute it is the money of and to its payout
   * (when those are stored already; the writes of the others link back).
   */
  async balanceTxns(trx: Knex.Transaction, rows: Row[]) {
    if (!rows.length) return;
    const cols = columnsOf(rows, ['payment_id', 'refund_id', 'dispute_id', 'payout_id']);
    const id = (table: string, key: string) =>
      `(select o.id from ${table} o where o.processor = r.processor and o.processor_id = r.${key})`;
    const keep = (c: string) => `${c} = coalesce(excluded.${c}, balance_transactions.${c})`;
    for (let i = 0; i < rows.length; i += CHUNK)
      await trx.raw(
        `insert into balance_transactions (${quoted(cols)}, payment_id, refund_id, dispute_id, payout_id)
         select ${quoted(cols, 'r.')}, ${id('payments', 'source_external_id')},
           ${id('refunds', 'source_external_id')}, ${id('disputes', 'source_external_id')},
           ${id('payouts', 'payout_external_id')}
         from jsonb_populate_recordset(null::balance_transactions, ?::jsonb) r
         on conflict (processor, processor_id) do update set
           ${['payout_id', 'payment_id', 'refund_id', 'dispute_id'].map(keep).join(', ')},
           payout_external_id = excluded.payout_external_id,
           amount_minor = excluded.amount_minor, fee_minor = excluded.fee_minor,
           net_minor = excluded.net_minor, available_on = excluded.available_on,
           updated_at = excluded.updated_at`,
        [JSON.stringify(rows.slice(i, i + CHUNK))],
      );
  }
}

/** Audit + outbox rows of what `ins` inserted (ChangeCapture's 'create' rows, by the system actor). */
function capture(object: string) {
  const o = sqlLiteral(object);
  return `a as (
      insert into audit_log (actor_key_id, actor_role, action, object, object_id, before, after)
      select null, 'system', 'create', ${o}, id, null, to_jsonb(ins) from ins
    ),
    o as (
      insert into sync_outbox (object, object_id, version, op)
      select ${o}, id, version, 'create' from ins
    )`;
}

/** Every column some row carries (a missing key reads as null), minus computed ones. */
function columnsOf(rows: Row[], computed: string[]): string[] {
  const all = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) all.add(k);
  return [...all].filter((c) => !computed.includes(c) && /^[a-z_]+$/.test(c));
}
