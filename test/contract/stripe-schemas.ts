/**
 * Validators built from Stripe's published OpenAPI 3.0 description (spec3.yaml, API 2023-08-16).
 * Conversion to JSON Schema for ajv: `nullable` becomes a null alternative, `$ref`s point into
 * one registered document, descriptions and `x-*` extensions are dropped, and — to catch fields
 * Stripe does not have — object schemas with declared properties and no additionalProperties
 * rule become closed (`additionalProperties: false`). Expandable fields keep the spec's
 * `anyOf: [id string, object]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import YAML from 'yaml';

export const SPEC_DIR = path.resolve(__dirname, '../../../shared/specs/stripe');

type Json = Record<string, any>;

let parsed: Json | undefined;
const ajvs = new Map<boolean, Ajv>();

/**
 * `closed` (default) rejects fields the 2023-08-16 spec does not have — right for the emulator.
 * Open validators check the types of the fields that are there, for samples recorded against a
 * newer API version that adds fields.
 */
export function loadSpec(closed = true): { spec: Json; ajv: Ajv } {
  parsed ??= YAML.parse(fs.readFileSync(path.join(SPEC_DIR, 'spec3.yaml'), 'utf8')) as Json;
  const spec = parsed;
  let ajv = ajvs.get(closed);
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const schemas: Json = {};
    for (const [name, s] of Object.entries(spec.components.schemas as Json))
      schemas[name] = convert(s, closed);
    ajv.addSchema({ $id: 'stripe', components: { schemas } });
    ajvs.set(closed, ajv);
  }
  return { spec, ajv };
}

export function convert(s: any, closed = true): any {
  if (!s || typeof s !== 'object') return s;
  if (Array.isArray(s)) return s.map((x) => convert(x, closed));
  if (s.$ref) return { $ref: `stripe${s.$ref}` };
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description' || k === 'nullable' || k === 'title' || k === 'example' || k.startsWith('x-'))
      continue;
    if (k === 'properties') {
      out.properties = {};
      for (const [pk, pv] of Object.entries(v as Json)) out.properties[pk] = convert(pv, closed);
    } else if (['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not'].includes(k))
      out[k] = convert(v, closed);
    else out[k] = v;
  }
  if (closed && out.type === 'object' && out.properties && out.additionalProperties === undefined)
    out.additionalProperties = false;
  if (s.nullable) {
    if (out.type && !out.anyOf) {
      out.type = [out.type, 'null'];
      if (out.enum) out.enum = [...(out.enum as unknown[]), null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const compiled = new Map<string, ValidateFunction>();

/** Validator of the 200 response of an operation ("GET /v1/customers/{customer}"). */
export function responseValidator(op: string): ValidateFunction {
  const hit = compiled.get(op);
  if (hit) return hit;
  const { spec, ajv } = loadSpec();
  const [method, p] = op.split(' ');
  const def = spec.paths[p]?.[method.toLowerCase()];
  if (!def) throw new Error(`no such operation in spec3.yaml: ${op}`);
  const v = ajv.compile(convert(def.responses['200'].content['application/json'].schema));
  compiled.set(op, v);
  return v;
}

export function objectValidator(name: string, closed = true): ValidateFunction {
  const { ajv } = loadSpec(closed);
  const v = ajv.getSchema(`stripe#/components/schemas/${name}`);
  if (!v) throw new Error(`no schema ${name}`);
  return v;
}

export function errorValidator(): ValidateFunction {
  return objectValidator('error');
}

export function requiredFields(name: string): string[] {
  return (loadSpec().spec.components.schemas[name]?.required as string[]) ?? [];
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
    .join('\n');
}

/** Plain boolean check (ajv's validators are type guards that would narrow the value to `unknown`). */
export function passes(v: ValidateFunction, data: unknown): boolean {
  return v(data);
}
