/**
 * The one library of transforms a mapping file may name. Each takes the source value(s) and the
 * rule's args and returns the vendor value, or null when there is nothing to send (the connector
 * decides whether null means "omit" on create or "clear" on update).
 */
export type TransformFn = (values: unknown[], args: Record<string, unknown>) => unknown;

/** Scalars as text; objects as JSON (never "[object Object]"). */
const asText = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v) ?? '';
};

const str = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = asText(v).trim();
  return s === '' ? null : s;
};

export const TRANSFORMS = {
  /** The first source value unchanged (strings trimmed; empty becomes null). */
  copy: ([v]) => (typeof v === 'string' ? str(v) : (v ?? null)),
  /** Non-empty source values joined with args.separator (default a space). */
  join: (values, args) => {
    const parts = values.map(str).filter((s): s is string => s !== null);
    return parts.length ? parts.join(typeof args.separator === 'string' ? args.separator : ' ') : null;
  },
  /** The first non-empty source value. */
  coalesce: (values) => values.map(str).find((s) => s !== null) ?? null,
  lowercase: ([v]) => str(v)?.toLowerCase() ?? null,
  uppercase: ([v]) => str(v)?.toUpperCase() ?? null,
  /** Integer minor units; refuses anything that is not an exact integer (money is never a float). */
  minor_units: ([v]) => {
    if (v === null || v === undefined) return null;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError('is not an integer amount');
    return n;
  },
  /** A date or timestamp as YYYY-MM-DD. */
  iso_date: ([v]) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
    const d = v instanceof Date ? v : new Date(asText(v));
    if (Number.isNaN(d.getTime())) throw new TypeError('is not a date');
    return d.toISOString().slice(0, 10);
  },
  /** A reference (local id) as text, e.g. for Stripe metadata values which are strings. */
  ref: ([v]) => (v === null || v === undefined ? null : asText(v)),
  /** args.value when the source is set (e.g. archived_at → "true"), else null. */
  flag: ([v], args) => (v === null || v === undefined || v === false ? null : asText(args.value ?? 'true')),
  /** args.value whatever the source. */
  constant: (_values, args) => args.value ?? null,
} satisfies Record<string, TransformFn>;

export type TransformName = keyof typeof TRANSFORMS;
export const TRANSFORM_NAMES = Object.keys(TRANSFORMS) as [TransformName, ...TransformName[]];
