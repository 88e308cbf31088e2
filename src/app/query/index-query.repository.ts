import { randomBytes } from 'node:crypto';
import { rowsOf, type Db } from '../database';
import { JsonRowBuilder } from '../json-row';
import { preparedRaw } from '../prepared';
import type { CursorPosition } from './cursor';
import type { SqlFragment } from './filter.compiler';

export type ArchivedMode = 'exclude' | 'include' | 'only';

export interface PageQuery {
  table: string;
  columns: string[];
  where: SqlFragment;
  archived: ArchivedMode;
  sort: { column: string; desc: boolean; required: boolean };
  after?: CursorPosition;
  /** Rows wanted, including the one that tells whether a next page exists. */
  limit: number;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;
const ALIAS = 't';
const ARCHIVED: Record<ArchivedMode, string[]> = {
  exclude: [`${ALIAS}.archived_at is null`],
  include: [],
  only: [`${ALIAS}.archived_at is not null`],
};

/** All SQL of index pages: keyset pages and counts over one table. */
export class IndexQueryRepository {
  private base(db: Db, table: string, where: SqlFragment, archived: ArchivedMode) {
    const qb = db(`${table} as ${ALIAS}`).whereRaw(where.sql, where.bindings as any[]);
    if (archived === 'exclude') qb.whereNull(`${ALIAS}.archived_at`);
    if (archived === 'only') qb.whereNotNull(`${ALIAS}.archived_at`);
    return qb;
  }

  /**
   * Keyset pagination in up to two passes: rows whose sort value is set (a range scan on the
   * (field, id) index), then rows where it is NULL (ordered by id). NULLs come last ascending and
   * first descending, as PostgreSQL orders them. Each pass is a plain index range scan, which keeps
   * page 50 as fast as page 1 — an OR over both would defeat the index.
   */
  async page(db: Db, p: PageQuery): Promise<Record<string, any>[]> {
    const col = `${ALIAS}.${q(p.sort.column)}`;
    const dir = p.sort.desc ? 'desc' : 'asc';
    const passes: ('v' | 'n')[] = p.sort.required ? ['v'] : p.sort.desc ? ['n', 'v'] : ['v', 'n'];
    const start = p.after ? passes.indexOf(p.after.seg) : 0;
    // Each row as JSON text built by PostgreSQL (`__json`) with `id` and `__sort` for the cursor:
    // the response sends it as it is, so Node neither parses every field nor re-serialises it.
    // The SQL is written as text, not through the query builder: compiling a builder cost a third
    // of an index request's CPU in Node, and the shape is fixed.
    const select = `select ${await this.json.expression(db, p.table, ALIAS, p.columns)} as __json, ${ALIAS}.id, ${col}::text as __sort from ${q(p.table)} as ${ALIAS}`;
    const rows: Record<string, any>[] = [];
    for (const seg of passes.slice(Math.max(start, 0))) {
      const where = [`(${p.where.sql})`, ...ARCHIVED[p.archived]];
      const bindings: unknown[] = [...p.where.bindings];
      let order: string;
      if (seg === 'n') {
        where.push(`${col} is null`);
        if (p.after?.seg === 'n') {
          where.push(`${ALIAS}.id ${p.sort.desc ? '<' : '>'} ?`);
          bindings.push(p.after.id);
        }
        order = `${ALIAS}.id ${dir}`;
      } else {
        if (!p.sort.required) where.push(`${col} is not null`);
        if (p.after?.seg === 'v') {
          // Row comparison so PostgreSQL uses the (field, id) index as one range.
          const cast =
            p.sort.column === 'id' ? '::bigint' : `::${await this.typeOf(db, p.table, p.sort.column)}`;
          where.push(`(${col}, ${ALIAS}.id) ${p.sort.desc ? '<' : '>'} (?${cast}, ?)`);
          bindings.push(p.after.value, p.after.id);
        }
        order = `${col} ${dir}, ${ALIAS}.id ${dir}`;
      }
      // The limit is written into the text, not bound: with `limit $n` PostgreSQL costs the generic
      // plan as if a tenth of the rows were wanted, never picks it, and plans every execution
      // again (0.1-0.3 ms, a third of an index page's time in PostgreSQL). Page sizes are few.
      const limit = Math.trunc(p.limit - rows.length);
      if (!(limit > 0)) throw new Error(`bad page limit ${p.limit}`);
      const sql = `${select} where ${where.join(' and ')} order by ${order} limit ${limit}`;
      rows.push(...rowsOf(await preparedRaw(db, sql, bindings)));
      if (rows.length >= p.limit) break;
    }
    return rows;
  }

  async count(db: Db, table: string, where: SqlFragment, archived: ArchivedMode): Promise<number> {
    const [row] = await this.base(db, table, where, archived).count({ n: '*' });
    return Number(row.n);
  }

  private readonly json = new JsonRowBuilder();

  /** SQL type of a sort column, so a cursor's text value is compared as that type. */
  private async typeOf(db: Db, table: string, column: string): Promise<string> {
    return (await this.json.columnTypes(db, table)).get(column) ?? 'text';
  }

  /** The HMAC secret of cursors, shared by every process on this database; created on first use. */
  async cursorSecret(db: Db): Promise<string> {
    const fresh = randomBytes(32).toString('base64url');
    await db('settings')
      .insert({ key: 'query.cursor_secret', value: JSON.stringify(fresh) })
      .onConflict('key')
      .ignore();
    const row = await db('settings').where({ key: 'query.cursor_secret' }).first('value');
    return String(row.value);
  }
}
