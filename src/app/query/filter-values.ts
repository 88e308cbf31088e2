import { currencyExponent, isCurrency } from '../../billing/currency';
import type { FieldSpec, Money, Operator } from './filter.types';
import { isRelativeRange } from './relative-date';

/** Thrown by value coercion; the parser adds the parameter name. */
export class ValueError extends Error {}

const INT = /^-?\d{1,16}$/;
const DECIMAL = /^-?\d{1,18}(\.\d{1,9})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A date or timestamp operand before it is resolved against the clock and org time zone. */
export type TemporalInput = { rel: string } | { day: string } | { instant: string };

function scalarString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  throw new ValueError('must be a single value');
}

function validDay(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function parseMoney(raw: string): Money {
  const m = /^\s*(?:([A-Z]{3})\s+)?(-?\d{1,15}(?:\.\d{1,4})?)(?:\s+([A-Z]{3}))?\s*$/.exec(raw);
  const cur = m && (m[1] ?? m[3]);
  if (!m || !cur || (m[1] && m[3]))
    throw new ValueError('must be an amount and an ISO currency, e.g. "100.00 USD"');
  if (!isCurrency(cur)) throw new ValueError(`${cur} is not an ISO 4217 currency`);
  const exp = currencyExponent(cur);
  const [whole, frac = ''] = m[2].replace('-', '').split('.');
  if (frac.length > exp) throw new ValueError(`${cur} has ${exp} decimal places`);
  const minor = Number(whole) * 10 ** exp + Number(frac.padEnd(exp, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw new ValueError('is too large');
  return { minor: m[2].startsWith('-') ? -minor : minor, currency: cur };
}

/** Coerces one operand to the field's type (query-string values arrive as strings). */
export function coerceScalar(spec: FieldSpec, v: unknown): unknown {
  const s = scalarString(v).trim();
  switch (spec.type) {
    case 'text':
      if (s.length > 500) throw new ValueError('is longer than 500 characters');
      return scalarString(v);
    case 'int':
    case 'list':
      if (!INT.test(s) || !Number.isSafeInteger(Number(s))) throw new ValueError('must be an integer');
      return Number(s);
    case 'decimal':
      if (!DECIMAL.test(s)) throw new ValueError('must be a decimal number');
      return s;
    case 'bool':
      if (s !== 'true' && s !== 'false') throw new ValueError('must be true or false');
      return s === 'true';
    case 'enum':
      if (!spec.values?.includes(s)) throw new ValueError(`must be one of ${spec.values?.join(', ')}`);
      return s;
    case 'money':
      return parseMoney(s);
    case 'date':
    case 'timestamp': {
      if (isRelativeRange(s)) return { rel: s } satisfies TemporalInput;
      if (DATE.test(s) && validDay(s)) return { day: s } satisfies TemporalInput;
      if (spec.type === 'timestamp' && DATETIME.test(s) && !Number.isNaN(Date.parse(s)))
        return { instant: s } satisfies TemporalInput;
      throw new ValueError(
        spec.type === 'date'
          ? 'must be a date YYYY-MM-DD or a relative range such as last_30_days'
          : 'must be an ISO timestamp, a date YYYY-MM-DD or a relative range such as last_30_days',
      );
    }
  }
}

/** Which operators make sense for which field type. */
export function allowedOperators(spec: FieldSpec): readonly Operator[] {
  const empty = ['is_empty', 'is_not_empty'] as const;
  switch (spec.type) {
    case 'text':
      return [
        'eq',
        'ne',
        'lt',
        'lte',
        'gt',
        'gte',
        'in',
        'not_in',
        'contains',
        'starts_with',
        'between',
        ...empty,
      ];
    case 'enum':
      return ['eq', 'ne', 'in', 'not_in', ...empty];
    case 'bool':
      return ['eq', 'ne', ...empty];
    case 'list':
      return ['in', 'not_in'];
    case 'int':
    case 'decimal':
    case 'money':
      return ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'between', ...empty];
    case 'date':
    case 'timestamp':
      return ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', ...empty];
  }
}

/** Splits list operands: arrays as given, strings on commas (`in=a,b,c`). */
export function listOperand(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim());
  return [v];
}

export function emptyFlag(v: unknown): boolean {
  if (v === true || v === '' || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new ValueError('must be true or false');
}
