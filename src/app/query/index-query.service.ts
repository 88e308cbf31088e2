import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor } from '../auth/access';
import type { Clock } from '../clock';
import { parseOrThrow } from '../crud/schema-kit';
import { Problem } from '../problem';
import { RawJson } from '../raw-json';
import { CursorCodec } from './cursor';
import { compileFilter } from './filter.compiler';
import { collectFilter, parseFilter } from './filter.parser';
import type { FilterNode, IndexDef } from './filter.types';
import { IndexQueryRepository } from './index-query.repository';
import type { ViewSource } from './view-source';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(2000).optional(),
  archived: z.enum(['exclude', 'include', 'only']).default('exclude'),
  sort: z.string().max(100).optional(),
  fields: z.string().max(2000).optional(),
  count: z.enum(['true', 'false']).optional(),
  view: z
    .string()
    .regex(/^(\d{1,16}|default)$/, 'must be a saved view id or "default"')
    .optional(),
});

export interface Sort {
  field: string;
  desc: boolean;
}

/** Parses `sort=field` / `sort=-field`: only sortable (indexed) fields, ties broken by id. */
export function parseSort(def: IndexDef, raw: string, param = 'sort'): Sort {
  const m = /^(-?)([a-z_][a-z0-9_]*)$/.exec(raw.trim());
  const sortable = Object.entries(def.fields)
    .filter(([, s]) => s.sortable)
    .map(([k]) => k);
  if (!m)
    throw Problem.validation([
      { field: param, message: 'must be a field name, prefixed by - for descending' },
    ]);
  if (!def.fields[m[2]]) throw Problem.validation([{ field: param, message: `unknown field ${m[2]}` }]);
  if (!def.fields[m[2]].sortable)
    throw Problem.validation([
      { field: param, message: `${m[2]} is not indexed for sorting; sortable: ${sortable.join(', ')}` },
    ]);
  return { field: m[2], desc: m[1] === '-' };
}

/** Parses `fields=a,b`: a projection over the resource's columns (id is always returned). */
export function parseFields(def: IndexDef, raw: string | string[], param = 'fields'): string[] {
  const list = (Array.isArray(raw) ? raw : raw.split(',')).map((f) => f.trim()).filter(Boolean);
  const unknown = list.filter((f) => !def.columns.includes(f));
  if (unknown.length || !list.length)
    throw Problem.validation([
      { field: param, message: unknown.length ? `unknown field ${unknown.join(', ')}` : 'names no field' },
    ]);
  return [...new Set(['id', ...list])];
}

/**
 * The index endpoint of every object: filter, sort, projection, keyset cursor, optional total.
 * Filters are compiled once per request to parameterised SQL (see docs/filters.md).
 */
export class IndexQueryService {
  private readonly repo = new IndexQueryRepository();
  private codec?: Promise<CursorCodec>;

  constructor(
    private readonly db: Knex,
    private readonly timeZone: string,
    private readonly clock: Clock,
    private readonly views?: ViewSource,
  ) {}

  private cursors(): Promise<CursorCodec> {
    this.codec ??= this.repo.cursorSecret(this.db).then((s) => new CursorCodec(s));
    this.codec.catch(() => (this.codec = undefined));
    return this.codec;
  }

  /** Parses a stored or submitted filter object (saved views, lists) against an object's index. */
  parse(def: IndexDef, filter: unknown, param = 'filter'): FilterNode {
    return parseFilter(def, filter, param);
  }

  /** SQL for "rows of def matching filter", aliased `alias` (lists use it in INSERT … SELECT). */
  compile(def: IndexDef, node: FilterNode, alias: string) {
    return compileFilter(def, node, alias, { now: this.clock.now(), timeZone: this.timeZone });
  }

  /** One index page as the JSON text of the response: rows as PostgreSQL wrote them (json-row.ts). */
  async listJson(def: IndexDef, query: Record<string, unknown>, actor: Actor): Promise<RawJson> {
    const { rows, paging, total } = await this.fetch(def, query, actor);
    return new RawJson(
      `{"results":[${rows.map((r) => r.__json).join(',')}],"paging":${JSON.stringify(paging)}${
        total !== undefined ? `,"total":${total}` : ''
      }}`,
    );
  }

  private async fetch(def: IndexDef, query: Record<string, unknown>, actor: Actor) {
    const plain = Object.fromEntries(Object.entries(query).filter(([k]) => !k.startsWith('filter')));
    const q = parseOrThrow(listQuery, plain);
    const raw = collectFilter(query);
    const view = q.view !== undefined ? await this.resolveView(def, q.view, actor) : undefined;
    const nodes: FilterNode[] = [];
    if (view) nodes.push(parseFilter(def, view.filter, `view(${view.id}).filter`));
    if (raw) nodes.push(parseFilter(def, raw));
    const node: FilterNode = { kind: 'and', nodes };
    const sortRaw = q.sort ?? view?.sort ?? def.defaultSort ?? 'id';
    const sort = parseSort(def, sortRaw, q.sort ? 'sort' : 'view.sort');
    const columns = q.fields
      ? parseFields(def, q.fields)
      : view?.columns?.length
        ? parseFields(def, view.columns, 'view.columns')
        : def.columns;
    const where = this.compile(def, node, 't');
    const hash = CursorCodec.queryHash({
      o: def.object,
      f: [view?.filter ?? null, raw ?? null],
      s: sortRaw,
      a: q.archived,
    });
    const codec = await this.cursors();
    const after = q.cursor ? codec.decode(q.cursor, hash) : undefined;
    const spec = def.fields[sort.field];
    const rows = await this.repo.page(this.db, {
      table: def.table,
      columns,
      where,
      archived: q.archived,
      sort: { column: spec.column ?? sort.field, desc: sort.desc, required: !!spec.required },
      after,
      limit: q.limit + 1,
    });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const next = more
      ? codec.encode(hash, { seg: last.__sort === null ? 'n' : 'v', value: last.__sort, id: Number(last.id) })
      : undefined;
    for (const r of page) delete r.__sort;
    const total =
      q.count === 'true' ? await this.repo.count(this.db, def.table, where, q.archived) : undefined;
    return { rows: page, paging: next ? { next } : {}, total };
  }

  private async resolveView(def: IndexDef, view: string, actor: Actor) {
    if (!this.views) throw Problem.validation([{ field: 'view', message: 'saved views are not available' }]);
    return this.views.resolve(def.object, view, actor);
  }
}
