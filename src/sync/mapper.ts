import type { Mapping } from '../../mappings';
import { TRANSFORMS } from '../../mappings/transforms';
import type { FieldError } from '../app/problem';

export interface MapResult {
  payload: Record<string, unknown>;
  errors: FieldError[];
}

/**
 * Applies a mapping to one canonical record. Pure: the same record and mapping always give the
 * same payload (so its hash is stable), and every failed check is reported, not thrown.
 */
export function applyMapping(mapping: Mapping, record: Record<string, unknown>): MapResult {
  const payload: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const rule of mapping.fields) {
    const sources = rule.from === undefined ? [] : [rule.from].flat();
    const values = sources.map((f) => (f === '$id' ? record.id : record[f]));
    let value: unknown;
    try {
      value = TRANSFORMS[rule.transform](values, rule.args);
    } catch (e) {
      errors.push({ field: sources.join(',') || rule.to, message: (e as Error).message, code: 'transform' });
      continue;
    }
    const field = sources[0] && sources[0] !== '$id' ? sources.join(',') : rule.to;
    if (value === null || value === undefined) {
      if (rule.required)
        errors.push({ field, message: `is required for ${mapping.target}.${rule.to}`, code: 'required' });
      setPath(payload, rule.to, null);
      continue;
    }
    if (typeof value === 'string') {
      if (rule.maxLength && value.length > rule.maxLength)
        errors.push({
          field,
          message: `is longer than ${rule.maxLength} characters (${mapping.target}.${rule.to})`,
          code: 'too_long',
        });
      if (rule.pattern && !new RegExp(rule.pattern).test(value))
        errors.push({
          field,
          message: `is not accepted by ${mapping.vendor} as ${mapping.target}.${rule.to}`,
          code: 'format',
        });
    }
    setPath(payload, rule.to, value);
  }
  return { payload, errors };
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}
