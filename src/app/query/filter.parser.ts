import { FieldError, Problem } from '../problem';
import { allowedOperators, coerceScalar, emptyFlag, listOperand, ValueError } from './filter-values';
import {
  FieldSpec,
  FilterNode,
  IndexDef,
  MAX_CONDITIONS,
  MAX_DEPTH,
  MAX_IN_VALUES,
  OPERATORS,
  Operator,
} from './filter.types';

const KEY = /^filter((?:\[[^[\]]{0,100}\])+)$/;

/**
 * Gathers `filter[a][b][op]=v` query parameters (and/or `filter=<json>`) into one nested object,
 * the same shape saved views and lists store as JSON.
 */
export function collectFilter(query: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  const errors: FieldError[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (key === 'filter') {
      if (typeof raw !== 'string' || !raw.trim().startsWith('{')) {
        errors.push({
          field: 'filter',
          message: 'use filter[field][operator]=value or filter=<JSON object>',
        });
        continue;
      }
      try {
        const parsed = JSON.parse(raw);
        out = { ...(out ?? {}), ...parsed };
      } catch {
        errors.push({ field: 'filter', message: 'is not valid JSON' });
      }
      continue;
    }
    if (!key.startsWith('filter')) continue;
    const m = KEY.exec(key);
    if (!m) {
      errors.push({ field: key, message: 'is not a filter parameter: use filter[field][operator]=value' });
      continue;
    }
    const segments = m[1].slice(1, -1).split('][');
    out ??= {};
    let node: Record<string, unknown> = out;
    for (const [i, seg] of segments.entries()) {
      const last = i === segments.length - 1;
      const existing = node[seg];
      if (last) {
        if (existing !== undefined)
          errors.push({ field: key, message: 'conflicts with another filter parameter' });
        else node[seg] = raw;
      } else {
        if (existing === undefined) node[seg] = {};
        else if (typeof existing !== 'object' || Array.isArray(existing)) {
          errors.push({ field: key, message: 'conflicts with another filter parameter' });
          break;
        }
        node = node[seg] as Record<string, unknown>;
      }
    }
  }
  if (errors.length) throw Problem.validation(errors, 'The filter is malformed.');
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a nested filter object against an IndexDef; every error names its parameter. */
export function parseFilter(def: IndexDef, input: unknown, base = 'filter'): FilterNode {
  const p = new Parser();
  const node = p.level(def, input ?? {}, base, 1);
  if (p.conditions > MAX_CONDITIONS)
    p.errors.push({ field: base, message: `has more than ${MAX_CONDITIONS} conditions` });
  if (p.errors.length) throw Problem.validation(p.errors, 'The filter is invalid.');
  return node;
}

class Parser {
  errors: FieldError[] = [];
  conditions = 0;

  private fail(field: string, message: string) {
    this.errors.push({ field, message });
  }

  level(def: IndexDef, input: unknown, path: string, depth: number): FilterNode {
    const nodes: FilterNode[] = [];
    if (depth > MAX_DEPTH) {
      this.fail(path, `criteria are nested deeper than ${MAX_DEPTH} levels`);
      return { kind: 'and', nodes };
    }
    if (!isObject(input)) {
      this.fail(path, 'must be an object of field → {operator: value}');
      return { kind: 'and', nodes };
    }
    for (const [key, value] of Object.entries(input)) {
      const at = `${path}[${key}]`;
      if (key === 'or' || key === 'and') {
        const items = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : null;
        if (!items?.length) {
          this.fail(at, 'must be a non-empty list of filters');
          continue;
        }
        const keys = Array.isArray(value) ? items.map((_, i) => String(i)) : Object.keys(value as object);
        nodes.push({
          kind: key,
          nodes: items.map((item, i) => this.level(def, item, `${at}[${keys[i]}]`, depth + 1)),
        });
      } else if (def.fields[key]) {
        nodes.push(...this.field(key, def.fields[key], value, at));
      } else if (def.associations?.[key]) {
        const n = this.association(def, key, value, at, depth);
        if (n) nodes.push(n);
      } else {
        const known = [...Object.keys(def.fields), ...Object.keys(def.associations ?? {})];
        this.fail(at, `unknown field for ${def.object}; known: ${known.join(', ')}`);
      }
    }
    return nodes.length === 1 ? nodes[0] : { kind: 'and', nodes };
  }

  field(name: string, spec: FieldSpec, value: unknown, at: string): FilterNode[] {
    if (!isObject(value)) {
      this.fail(at, `needs an operator, e.g. ${at}[eq]=value`);
      return [];
    }
    const out: FilterNode[] = [];
    for (const [op, operand] of Object.entries(value)) {
      const parsed = this.operand(spec, op, operand, `${at}[${op}]`);
      if (parsed) out.push({ kind: 'cmp', path: `${at}[${op}]`, field: name, spec, ...parsed });
    }
    return out;
  }

  /** Validates one `op: operand` pair; returns undefined (with an error noted) when it is bad. */
  operand(
    spec: FieldSpec,
    op: string,
    operand: unknown,
    at: string,
  ): { op: Operator; value: unknown } | undefined {
    this.conditions++;
    if (!(OPERATORS as readonly string[]).includes(op)) {
      this.fail(at, `unknown operator ${op}; operators: ${OPERATORS.join(', ')}`);
      return undefined;
    }
    const o = op as Operator;
    if (!allowedOperators(spec).includes(o)) {
      this.fail(at, `operator ${op} does not apply to a ${spec.type} field`);
      return undefined;
    }
    try {
      switch (o) {
        case 'is_empty':
        case 'is_not_empty':
          return { op: o, value: emptyFlag(operand) };
        case 'in':
        case 'not_in': {
          const items = listOperand(operand);
          if (!items.length || items.length > MAX_IN_VALUES)
            throw new ValueError(`needs 1 to ${MAX_IN_VALUES} values`);
          return { op: o, value: items.map((v) => coerceScalar(spec, v)) };
        }
        case 'between': {
          const items = listOperand(operand);
          if (items.length !== 2) throw new ValueError('needs two values: low,high');
          const pair = items.map((v) => coerceScalar(spec, v)) as any[];
          if (spec.type === 'money' && pair[0].currency !== pair[1].currency)
            throw new ValueError('both bounds need the same currency');
          return { op: o, value: pair };
        }
        default:
          return { op: o, value: coerceScalar(spec, operand) };
      }
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      this.fail(at, e.message);
      return undefined;
    }
  }

  association(
    def: IndexDef,
    name: string,
    value: unknown,
    at: string,
    depth: number,
  ): FilterNode | undefined {
    const spec = def.associations![name];
    const target = spec.target();
    if (!isObject(value)) {
      this.fail(at, `needs exists, count or sum, e.g. ${at}[exists]=true`);
      return undefined;
    }
    const measures = ['exists', 'count', 'sum'].filter((k) => k in value);
    for (const k of Object.keys(value))
      if (!['exists', 'count', 'sum', 'where'].includes(k))
        this.fail(`${at}[${k}]`, 'unknown association criterion; use exists, count, sum and where');
    if (measures.length > 1) {
      this.fail(at, 'use one of exists, count or sum per association (combine several with filter[and])');
      return undefined;
    }
    const where =
      'where' in value
        ? this.level(target, value.where, `${at}[where]`, depth + 1)
        : { kind: 'and' as const, nodes: [] };
    const measure = measures[0] ?? 'exists';
    const ops: { op: Operator; value: unknown; path: string }[] = [];
    const take = (spec: FieldSpec, raw: unknown, path: string) => {
      if (!isObject(raw)) return this.fail(path, `needs an operator, e.g. ${path}[gt]=3`);
      for (const [op, operand] of Object.entries(raw)) {
        const parsed = this.operand(spec, op, operand, `${path}[${op}]`);
        if (parsed) ops.push({ ...parsed, path: `${path}[${op}]` });
      }
    };
    if (measure === 'exists') {
      this.conditions++;
      let flag = true;
      try {
        flag = 'exists' in value ? emptyFlag(value.exists) : true;
      } catch {
        this.fail(`${at}[exists]`, 'must be true or false');
      }
      return { kind: 'assoc', path: at, spec, target, measure: { kind: 'exists', value: flag }, ops, where };
    }
    if (measure === 'count') {
      take({ type: 'int' }, value.count, `${at}[count]`);
      return { kind: 'assoc', path: at, spec, target, measure: { kind: 'count' }, ops, where };
    }
    const sum = value.sum;
    const entries = isObject(sum) ? Object.entries(sum) : [];
    if (entries.length !== 1) {
      this.fail(`${at}[sum]`, `needs one field, e.g. ${at}[sum][amount][gte]=100 USD`);
      return undefined;
    }
    const [field, raw] = entries[0];
    const fspec = target.fields[field];
    if (!fspec || !['int', 'decimal', 'money'].includes(fspec.type)) {
      this.fail(`${at}[sum][${field}]`, `is not a numeric or money field of ${target.object}`);
      return undefined;
    }
    take(fspec, raw, `${at}[sum][${field}]`);
    return {
      kind: 'assoc',
      path: at,
      spec,
      target,
      measure: { kind: 'sum', field, spec: fspec },
      ops,
      where,
    };
  }
}
