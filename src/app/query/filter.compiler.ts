import type { TemporalInput } from './filter-values';
import type { FieldSpec, FilterNode, IndexDef, Money, Operator } from './filter.types';
import { addDays, resolveRelative } from './relative-date';

export interface CompileContext {
  /** Current instant (injectable for tests). */
  now: Date;
  /** IANA zone in which relative ranges and bare dates on timestamps are read. */
  timeZone: string;
}

export interface SqlFragment {
  sql: string;
  bindings: unknown[];
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Compiles a parsed filter into one parameterised boolean SQL expression over `alias`. Values are
 * always bindings; identifiers come only from IndexDefs, never from the request.
 */
export function compileFilter(
  def: IndexDef,
  node: FilterNode,
  alias: string,
  ctx: CompileContext,
): SqlFragment {
  const c = new Compiler(ctx);
  const sql = c.node(def, node, alias);
  return { sql, bindings: c.bindings };
}

class Compiler {
  bindings: unknown[] = [];
  private aliases = 0;
  constructor(private readonly ctx: CompileContext) {}

  private bind(v: unknown): string {
    this.bindings.push(v);
    return '?';
  }

  node(def: IndexDef, n: FilterNode, alias: string): string {
    switch (n.kind) {
      case 'and':
      case 'or': {
        if (!n.nodes.length) return n.kind === 'and' ? 'true' : 'false';
        const parts = n.nodes.map((child) => this.node(def, child, alias));
        return `(${parts.join(n.kind === 'and' ? ' and ' : ' or ')})`;
      }
      case 'cmp':
        return this.compare(
          n.spec,
          n.op,
          n.value,
          this.column(alias, n.field, n.spec),
          alias,
          n.spec.currency,
        );
      case 'assoc':
        return this.association(def, n, alias);
    }
  }

  private column(alias: string, field: string, spec: FieldSpec) {
    return `${q(alias)}.${q(spec.column ?? field)}`;
  }

  private association(def: IndexDef, n: Extract<FilterNode, { kind: 'assoc' }>, alias: string): string {
    const a = `a${++this.aliases}`;
    const link = `${q(a)}.${q(n.spec.foreignKey)} = ${q(alias)}.${q(n.spec.localKey ?? 'id')}`;
    // Compiled anew at each use so every copy of the subquery carries its own bindings.
    const from = () =>
      `from ${q(n.target.table)} ${q(a)} where ${link} and ${q(a)}."archived_at" is null and ${this.node(n.target, n.where, a)}`;
    if (n.measure.kind === 'exists') return `${n.measure.value ? '' : 'not '}exists (select 1 ${from()})`;
    if (n.measure.kind === 'count') {
      return `(${n.ops.map((o) => this.compare({ type: 'int' }, o.op, o.value, () => `(select count(*) ${from()})`, alias)).join(' and ')})`;
    }
    const { field, spec } = n.measure;
    const col = `${q(a)}.${q(spec.column ?? field)}`;
    const parts = n.ops.map((o) => {
      if (spec.type !== 'money') {
        return this.compare(spec, o.op, o.value, () => `(select coalesce(sum(${col}), 0) ${from()})`, alias);
      }
      // A money sum only adds amounts of the operand's currency: currencies are never mixed.
      const cur = (Array.isArray(o.value) ? o.value[0] : o.value) as Money;
      const expr = () =>
        `(select coalesce(sum(${col}), 0) ${from()} and ${q(a)}.${q(spec.currency!)} = ${this.bind(cur.currency)})`;
      const minor = Array.isArray(o.value) ? o.value.map((m: Money) => m.minor) : (o.value as Money).minor;
      return this.compare({ type: 'int' }, o.op, minor, expr, alias);
    });
    return `(${parts.join(' and ')})`;
  }

  /**
   * One comparison of `expr` (a column, or a subquery rebuilt at each use) against a typed operand.
   * Fragments are produced strictly left to right so bindings line up with their `?`.
   */
  compare(
    spec: FieldSpec,
    op: Operator,
    value: unknown,
    expr: string | (() => string),
    alias: string,
    currencyCol?: string,
  ): string {
    const e = typeof expr === 'string' ? () => expr : expr;
    if (op === 'is_empty' || op === 'is_not_empty') {
      const empty = spec.type === 'text' ? `(${e()} is null or ${e()} = '')` : `${e()} is null`;
      return (op === 'is_empty') === value ? empty : `not ${empty}`;
    }
    if (spec.type === 'list') {
      const ids = (value as number[]).map((v) => this.bind(v)).join(', ');
      const sub = `exists (select 1 from "list_memberships" lm where lm."record_id" = ${q(alias)}."id" and lm."list_id" in (${ids}))`;
      return op === 'in' ? sub : `not ${sub}`;
    }
    if (spec.type === 'money')
      return this.money(op, value, e(), `${q(alias)}.${q(currencyCol ?? spec.currency!)}`);
    if (spec.type === 'date' || spec.type === 'timestamp') return this.temporal(spec, op, value, e);
    const cast = spec.type === 'decimal' ? '::numeric' : '';
    const b = (v: unknown) => `${this.bind(v)}${cast}`;
    switch (op) {
      case 'eq':
        return `${e()} = ${b(value)}`;
      case 'ne':
        return `${e()} is distinct from ${b(value)}`;
      case 'lt':
        return `${e()} < ${b(value)}`;
      case 'lte':
        return `${e()} <= ${b(value)}`;
      case 'gt':
        return `${e()} > ${b(value)}`;
      case 'gte':
        return `${e()} >= ${b(value)}`;
      case 'in':
        return `${e()} in (${(value as unknown[]).map(b).join(', ')})`;
      case 'not_in':
        return `(${e()} is null or ${e()} not in (${(value as unknown[]).map(b).join(', ')}))`;
      case 'between': {
        const [lo, hi] = value as unknown[];
        return `(${e()} >= ${b(lo)} and ${e()} <= ${b(hi)})`;
      }
      case 'contains':
        return `${e()} ilike ${this.bind(`%${likeEscape(String(value))}%`)}`;
      case 'starts_with':
        return `${e()} ilike ${this.bind(`${likeEscape(String(value))}%`)}`;
    }
    throw new Error(`operator ${String(op)} reached the compiler unchecked`);
  }

  /** Money compares amount and currency together: 100 USD never matches 100 EUR. */
  private money(op: Operator, value: unknown, amount: string, currency: string): string {
    const one = (m: Money, cmp: string) =>
      `(${currency} = ${this.bind(m.currency)} and ${amount} ${cmp} ${this.bind(m.minor)})`;
    switch (op) {
      case 'ne':
        return `not coalesce(${one(value as Money, '=')}, false)`;
      case 'in':
        return `(${(value as Money[]).map((m) => one(m, '=')).join(' or ')})`;
      case 'not_in':
        return `not coalesce((${(value as Money[]).map((m) => one(m, '=')).join(' or ')}), false)`;
      case 'between': {
        const [lo, hi] = value as Money[];
        return `(${currency} = ${this.bind(lo.currency)} and ${amount} between ${this.bind(lo.minor)} and ${this.bind(hi.minor)})`;
      }
      default:
        return one(value as Money, CMP[op]!);
    }
  }

  /**
   * A bound is a point (an exact instant, or a day on a date column) or a half-open range of local
   * days [lo, hi). Bounds are lazy so only the fragments actually used bind their values.
   */
  private bound(spec: FieldSpec, v: TemporalInput): { lo: () => string; hi?: () => string } {
    const local = (day: string) => () =>
      spec.type === 'date'
        ? `${this.bind(day)}::date`
        : `(${this.bind(`${day} 00:00:00`)}::timestamp at time zone ${this.bind(this.ctx.timeZone)})`;
    if ('instant' in v) return { lo: () => `${this.bind(v.instant)}::timestamptz` };
    if ('day' in v)
      return spec.type === 'date' ? { lo: local(v.day) } : { lo: local(v.day), hi: local(addDays(v.day, 1)) };
    const r = resolveRelative(v.rel, this.ctx.now, this.ctx.timeZone);
    return { lo: local(r.from), hi: local(r.to) };
  }

  private temporal(spec: FieldSpec, op: Operator, value: unknown, e: () => string): string {
    if (op === 'between') {
      const [a, b] = (value as TemporalInput[]).map((v) => this.bound(spec, v));
      return `(${e()} >= ${a.lo()} and ${b.hi ? `${e()} < ${b.hi()}` : `${e()} <= ${b.lo()}`})`;
    }
    const { lo, hi } = this.bound(spec, value as TemporalInput);
    if (!hi) return op === 'ne' ? `${e()} is distinct from ${lo()}` : `${e()} ${CMP[op]} ${lo()}`;
    switch (op) {
      case 'eq':
        return `(${e()} >= ${lo()} and ${e()} < ${hi()})`;
      case 'ne':
        return `not coalesce((${e()} >= ${lo()} and ${e()} < ${hi()}), false)`;
      case 'lt':
        return `${e()} < ${lo()}`;
      case 'lte':
        return `${e()} < ${hi()}`;
      case 'gt':
        return `${e()} >= ${hi()}`;
      case 'gte':
        return `${e()} >= ${lo()}`;
    }
    throw new Error(`operator ${op} reached the compiler unchecked`);
  }
}

const CMP: Partial<Record<Operator, string>> = { eq: '=', lt: '<', lte: '<=', gt: '>', gte: '>=' };
