import type { Db } from './database';
import { rowsOf } from './database';

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Rows as JSON text built by PostgreSQL, for responses sent as they are (RawJson): each column is
 * written exactly as the parsed-row path would serialise it (see src/app/database.ts) — timestamps
 * as ISO-8601 UTC with milliseconds (JS Date#toJSON), int8 as a number when it is a safe integer,
 * numeric as an exact string, dates as YYYY-MM-DD, jsonb as is. This skips parsing every field in
 * Node and re-serialising it, most of a list or batch request's CPU.
 */
export class JsonRowBuilder {
  private readonly tables = new Map<string, Promise<Map<string, string>>>();
  /** Built expressions by table, alias and columns: a hot path builds the same few every request. */
  private readonly built = new Map<string, string>();

  /**
   * `(select row_to_json(r)::text from (select …) r)` over `alias`'s columns, in that order; with
   * `as = 'json'` the value stays of type json (e.g. to be stored in a json column as well).
   */
  async expression(
    db: Db,
    table: string,
    alias: string,
    columns: string[],
    as: 'text' | 'json' = 'text',
  ): Promise<string> {
    const key = `${table}\u0000${alias}\u0000${as}\u0000${columns.join('\u0000')}`;
    const hit = this.built.get(key);
    if (hit !== undefined) return hit;
    const types = await this.columnTypes(db, table);
    const exprs = columns.map((c) => {
      const col = `${alias}.${q(c)}`;
      switch (types.get(c)) {
        case 'timestamp with time zone':
          return `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${q(c)}`;
        case 'bigint':
          return `case when ${col} between ${-MAX_SAFE} and ${MAX_SAFE} then to_json(${col}) else to_json(${col}::text) end as ${q(c)}`;
        case 'numeric':
          return `${col}::text as ${q(c)}`;
        default:
          return `${col} as ${q(c)}`;
      }
    });
    const expr = `(select row_to_json(r)${as === 'text' ? '::text' : ''} from (select ${exprs.join(', ')}) r)`;
    if (this.built.size < 1000) this.built.set(key, expr);
    return expr;
  }

  /** Every column of `table`, in table order. */
  async columns(db: Db, table: string): Promise<string[]> {
    return [...(await this.columnTypes(db, table)).keys()];
  }

  /** Column name → SQL type (without modifiers) of `table`, read once per table. */
  columnTypes(db: Db, table: string): Promise<Map<string, string>> {
    let types = this.tables.get(table);
    if (!types) {
      types = db
        .raw(
          `select a.attname as name, format_type(a.atttypid, null) as t from pg_attribute a
            where a.attrelid = ?::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
          [table],
        )
        .then((res) => new Map(rowsOf<{ name: string; t: string }>(res).map((r) => [r.name, r.t])));
      types.catch(() => this.tables.delete(table));
      this.tables.set(table, types);
    }
    return types;
  }
}
