import type { Actor } from '../auth/access';
import type { Db } from '../database';
import { rowsOf } from '../database';
import { JsonRowBuilder } from '../json-row';
import { preparedRaw } from '../prepared';
import type { Row } from './record.repository';
import type { ResourceDef } from './resource';

interface ColumnInfo {
  name: string;
  notNull: boolean;
  default: string | null;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * Batch create in ONE statement (no BEGIN/COMMIT round trips): the inputs travel as one JSON array,
 * expanded by jsonb_populate_recordset into the table's own row type; data-modifying CTEs check
 * references, insert the rows, and write their sync_outbox and audit_log rows. A single statement
 * is atomic, so a batch is still all or nothing. Calibration: ~30% faster than BEGIN + 3 statements.
 */
export class BatchInsertRepository {
  private columns?: Promise<Map<string, ColumnInfo>>;
  private readonly json = new JsonRowBuilder();

  constructor(
    private readonly table: string,
    private readonly object: string,
  ) {}

  /** Column defaults from the catalogue, so omitted NOT NULL columns get their DEFAULT. */
  private columnInfo(db: Db): Promise<Map<string, ColumnInfo>> {
    this.columns ??= db
      .raw(
        `select a.attname as name, a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as def
           from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where a.attrelid = ?::regclass and a.attnum > 0 and not a.attisdropped`,
        [this.table],
      )
      .then((res) => {
        const rows = rowsOf<{ name: string; not_null: boolean; def: string | null }>(res);
        return new Map(rows.map((r) => [r.name, { name: r.name, notNull: r.not_null, default: r.def }]));
      });
    this.columns.catch(() => (this.columns = undefined));
    return this.columns;
  }

  /**
   * Inserts `rows` (plain values, jsonb columns as objects) unless a reference is missing or
   * archived. Returns the inserted rows in input order, or `referenceFailure` when nothing was written.
   */
  async insert(
    db: Db,
    actor: Actor,
    rows: Record<string, unknown>[],
    references: Record<string, string>,
    opts: { derived?: ResourceDef['derived']; json?: boolean } = {},
  ): Promise<{ rows: Row[]; referenceFailure: boolean }> {
    const info = await this.columnInfo(db);
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => info.has(c));
    const expr = cols.map((c) => {
      const ci = info.get(c)!;
      return ci.notNull && ci.default ? `coalesce(i.${q(c)}, ${ci.default})` : `i.${q(c)}`;
    });
    // Derived columns come from the referenced row, probed by primary key per input row.
    for (const [col, { via, column }] of Object.entries(opts.derived ?? {})) {
      if (!cols.includes(via) || cols.includes(col) || !references[via]) continue;
      cols.push(col);
      expr.push(`(select r.${q(column)} from ${q(references[via])} r where r.id = i.${q(via)})`);
    }
    // With `json`, each row comes back as the JSON text of the response (see JsonRowBuilder).
    const returned = opts.json
      ? `ins.id, ${await this.json.expression(db, this.table, 'ins', await this.json.columns(db, this.table))} as __json`
      : 'ins.*';
    const refChecks = Object.entries(references)
      .filter(([col]) => cols.includes(col))
      .map(
        ([col, table]) =>
          // A scalar subquery probes the primary key per input row; a join would be planned as a
          // hash join over the whole referenced table.
          `select 1 from input i where i.${q(col)} is not null and not coalesce(
             (select r.archived_at is null from ${q(table)} r where r.id = i.${q(col)}), false)`,
      );
    const bad = refChecks.length ? refChecks.join(' union all ') : 'select 1 where false';
    const sql = `
      with input as (
        select * from jsonb_populate_recordset(null::${q(this.table)}, ?::jsonb) with ordinality),
      bad as (${bad}),
      ins as (
        insert into ${q(this.table)} (${cols.map(q).join(', ')})
        select ${expr.join(', ')} from input i where not exists (select 1 from bad)
        order by i.ordinality
        returning *),
      outbox as (
        insert into sync_outbox (object, object_id, version, op)
        select ?, id, version, 'create' from ins order by id),
      audit as (
        insert into audit_log (actor_key_id, actor_role, action, object, object_id, before, after)
        select ?::bigint, ?, 'create', ?, id, null, to_jsonb(ins) from ins order by id)
      select (select count(*) from bad)::int as __bad, ${returned} from (select 1) one left join ins on true`;
    const res = await preparedRaw(db, sql, [
      JSON.stringify(rows),
      this.object,
      actor.keyId,
      actor.role,
      this.object,
    ]);
    const out = rowsOf<Row & { __bad: number }>(res);
    if (Number(out[0]?.__bad) > 0 || out[0]?.id == null) return { rows: [], referenceFailure: true };
    const inserted = out.map(({ __bad: _, ...row }) => row as Row).sort((a, b) => a.id - b.id);
    return { rows: inserted, referenceFailure: false };
  }
}
