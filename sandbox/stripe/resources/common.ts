/** Helpers shared by resource handlers: list filters and search queries. */
import { StripeApiError } from '../stripe.errors';
import type { StripeObject } from '../stripe.types';

/** `created=123` or `created[gte]=…&created[lt]=…` */
export function createdFilter(created: unknown, field = 'created'): (o: StripeObject) => boolean {
  if (created === undefined) return () => true;
  if (typeof created === 'number') return (o) => o[field] === created;
  const r = created as { gt?: number; gte?: number; lt?: number; lte?: number };
  return (o) => {
    const v = o[field] as number;
    return (
      (r.gt === undefined || v > r.gt) &&
      (r.gte === undefined || v >= r.gte) &&
      (r.lt === undefined || v < r.lt) &&
      (r.lte === undefined || v <= r.lte)
    );
  };
}

export function listParams(p: Record<string, any>) {
  return { limit: p.limit, starting_after: p.starting_after, ending_before: p.ending_before };
}

/**
 * Stripe Search Query Language, the subset connectors use: `field:'value'`, `field~'sub'`,
 * `metadata['key']:'value'`, `created>123`, clauses joined by AND or OR (not mixed), `-` negation.
 */
export function searchPredicate(query: string): (o: StripeObject) => boolean {
  const q = query.trim();
  const hasAnd = /\sAND\s/.test(q);
  const hasOr = /\sOR\s/.test(q);
  if (hasAnd && hasOr)
    throw StripeApiError.invalid('Search queries cannot mix AND and OR.', 'query', 'search_query_invalid');
  const clauses = q.split(/\s(?:AND|OR)\s/).map(parseClause);
  return hasOr ? (o) => clauses.some((c) => c(o)) : (o) => clauses.every((c) => c(o));
}

function parseClause(raw: string): (o: StripeObject) => boolean {
  const m =
    /^(-?)(metadata\[['"]([^'"]+)['"]\]|[a-z_.]+)\s*(:|~|>=|<=|>|<)\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))$/.exec(
      raw.trim(),
    );
  if (!m) throw StripeApiError.invalid(`Invalid search query: ${raw}`, 'query');
  const [, neg, field, metaKey, op, s1, s2, num] = m;
  const value = s1 ?? s2 ?? num;
  const get = (o: StripeObject): unknown =>
    metaKey ? o.metadata?.[metaKey] : field.split('.').reduce((a: any, k) => a?.[k], o);
  const test = (o: StripeObject): boolean => {
    const v = get(o);
    switch (op) {
      case ':':
        return scalarText(v) === value;
      case '~':
        return typeof v === 'string' && v.toLowerCase().includes(value.toLowerCase());
      case '>':
        return Number(v) > Number(value);
      case '<':
        return Number(v) < Number(value);
      case '>=':
        return Number(v) >= Number(value);
      default:
        return Number(v) <= Number(value);
    }
  };
  return neg ? (o) => !test(o) : test;
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return `${v}`;
  return undefined;
}
