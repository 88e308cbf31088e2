/**
 * Validates and coerces decoded form/query parameters against the request schemas extracted
 * from Stripe's published spec (stripe-spec.json, made by scripts/gen-stripe-spec.mjs). Errors
 * copy Stripe's wording and codes: "Received unknown parameter: x" (parameter_unknown),
 * "Invalid integer: abc" (parameter_invalid_integer), "Missing required param: amount."
 * (parameter_missing), "Invalid usage: must be one of reusable or single_use".
 */
import { StripeApiError } from './stripe.errors';
import type { FormValue } from './form.parser';
import spec from './stripe-spec.json';

export interface Schema {
  type?: string;
  enum?: unknown[];
  maxLength?: number;
  required?: string[];
  additionalProperties?: boolean | Schema;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  format?: string;
}

interface OperationSpec {
  operationId: string;
  query?: Schema;
  body?: Schema;
}

const operations = (spec as unknown as { operations: Record<string, OperationSpec> }).operations;

export function operationSpec(method: string, specPath: string): OperationSpec | undefined {
  return operations[`${method} ${specPath}`];
}

export function validateParams(
  schema: Schema | undefined,
  params: Record<string, FormValue>,
): Record<string, any> {
  if (!schema) {
    const keys = Object.keys(params);
    if (keys.length) throw unknown(keys[0]);
    return {};
  }
  return coerce(params, schema, '') as Record<string, any>;
}

function unknown(param: string) {
  return StripeApiError.invalid(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

const child = (path: string, key: string) => (path ? `${path}[${key}]` : key);

function coerce(value: FormValue, schema: Schema, path: string): unknown {
  if (schema.anyOf) return coerceAnyOf(value, schema.anyOf, path);
  switch (schema.type) {
    case 'string':
      return coerceString(value, schema, path);
    case 'integer': {
      if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim()))
        throw StripeApiError.invalid(`Invalid integer: ${show(value)}`, path, 'parameter_invalid_integer');
      const n = Number(value);
      if (!Number.isSafeInteger(n))
        throw StripeApiError.invalid(`Invalid integer: ${show(value)}`, path, 'parameter_invalid_integer');
      return n;
    }
    case 'number': {
      if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(Number(value)))
        throw StripeApiError.invalid(`Invalid decimal: ${show(value)}`, path);
      return Number(value);
    }
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw StripeApiError.invalid(`Invalid boolean: ${show(value)}`, path);
    case 'array':
      return coerceArray(value, schema, path);
    case 'object':
      return coerceObject(value, schema, path);
    default:
      return value;
  }
}

function coerceString(value: FormValue, schema: Schema, path: string): string {
  if (typeof value !== 'string') throw StripeApiError.invalid(`Invalid string: ${show(value)}`, path);
  if (schema.enum && !schema.enum.includes(value)) {
    const opts = schema.enum.filter((e) => e !== '') as string[];
    if (value === '' && !schema.enum.includes(''))
      throw StripeApiError.invalid(
        `You passed an empty string for '${path}'. We assume empty values are an attempt to unset a parameter; however '${path}' cannot be unset. You should remove '${path}' from your request or supply a non-empty value.`,
        path,
        'parameter_invalid_empty',
      );
    throw StripeApiError.invalid(`Invalid ${path}: must be one of ${joinOr(opts)}`, path);
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength)
    throw StripeApiError.invalid(
      `Invalid string: ${value.slice(0, 20)}...; must be at most ${schema.maxLength} characters`,
      path,
    );
  return value;
}

function coerceArray(value: FormValue, schema: Schema, path: string): unknown[] {
  let items: FormValue[];
  if (Array.isArray(value)) items = value;
  else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (!keys.every((k) => /^\d+$/.test(k)))
      throw StripeApiError.invalid(`Invalid array`, path, 'parameter_invalid_array');
    items = keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k]);
  } else throw StripeApiError.invalid(`Invalid array`, path, 'parameter_invalid_array');
  return items.map((v, i) => (schema.items ? coerce(v, schema.items, `${path}[${i}]`) : v));
}

function coerceObject(value: FormValue, schema: Schema, path: string): Record<string, unknown> {
  if (typeof value === 'string' || Array.isArray(value))
    throw StripeApiError.invalid(`Invalid object`, path, 'parameter_invalid_object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const prop = schema.properties?.[k];
    if (prop) out[k] = coerce(v, prop, child(path, k));
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      out[k] = coerce(v, schema.additionalProperties, child(path, k));
    // Stripe rejects unknown keys at every level, not only where the spec says so.
    else throw unknown(child(path, k));
  }
  for (const r of schema.required ?? []) {
    if (out[r] === undefined)
      throw StripeApiError.invalid(
        `Missing required param: ${child(path, r)}.`,
        child(path, r),
        'parameter_missing',
      );
  }
  return out;
}

function coerceAnyOf(value: FormValue, options: Schema[], path: string): unknown {
  const errors: { e: unknown; shape: boolean }[] = [];
  for (const opt of options) {
    try {
      return coerce(value, opt, path);
    } catch (e) {
      const structured = opt.type === 'object' || opt.type === 'array';
      errors.push({ e, shape: (typeof value === 'object') === structured });
    }
  }
  // Report the error of the branch whose shape matches the value (object vs scalar).
  throw (errors.find((x) => x.shape) ?? errors[0]).e;
}

function show(v: FormValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function joinOr(opts: string[]): string {
  if (opts.length <= 1) return opts.join('');
  return `${opts.slice(0, -1).join(', ')}, or ${opts[opts.length - 1]}`;
}
