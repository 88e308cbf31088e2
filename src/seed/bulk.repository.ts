import { sqlLiteral } from '../app/sql-literal';
import type { Knex } from 'knex';
import { rowsOf } from '../app/database';

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export interface BulkOptions {
  /** Also write sync_outbox + audit_log rows (action 'create', actor 'system') in the same statement. */
  capture?: { object: string };
  chunk?: number;
}

/**
 * Bulk writes for seeding: each chunk is one INSERT … SELECT over jsonb_populate_recordset (the
 * table's own row type, so no per-column type list), optionally with the change capture in
 * data-modifying CTEs. Returns the new ids in input order.
 */
export async function bulkInsert(
  db: Knex,
  table: string,
  rows: Record<string, unknown>[],
  opts: BulkOptions = {},
): Promise<number[]> {
  const ids: number[] = [];
  const size = opts.chunk ?? 5000;
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const cols = Object.keys(chunk[0]);
    const capture = opts.capture
      ? `, outbox as (insert into sync_outbox (object, object_id, version, op)
                      select ${sqlLiteral(opts.capture.object)}, id, version, 'create' from ins),
           audit as (insert into audit_log (actor_role, action, object, object_id, after)
                      select 'system', 'create', ${sqlLiteral(opts.capture.object)}, id, to_jsonb(ins) from ins)`
      : '';
    const res = await db.raw(
      `with ins as (insert into ${q(table)} (${cols.map(q).join(', ')})
          select ${cols.map((c) => `x.${q(c)}`).join(', ')}
            from jsonb_populate_recordset(null::${q(table)}, ?::jsonb) with ordinality x
           order by x.ordinality
        returning ${opts.capture ? '*' : 'id'}) ${capture}
       select id from ins order by id`,
      [JSON.stringify(chunk)],
    );
    ids.push(...rowsOf<{ id: number }>(res).map((r) => Number(r.id)));
  }
  return ids;
}
