#!/usr/bin/env node
/**
 * Extracts the request-parameter schemas of the Stripe operations the emulator implements from
 * the published spec (../shared/specs/stripe/spec3.yaml, API 2023-08-16, ~4 MB) into a compact
 * committed JSON (sandbox/stripe/stripe-spec.json). The emulator ships with the service and must
 * not read ../shared at runtime, so validation runs against this extract.
 *
 * Usage: node scripts/gen-stripe-spec.mjs [path/to/spec3.yaml]
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import * as prettier from 'prettier';

const root = path.resolve(import.meta.dirname, '..');
const specPath = process.argv[2] || path.resolve(root, '../shared/specs/stripe/spec3.yaml');
const outPath = path.join(root, 'sandbox/stripe/stripe-spec.json');

/** Every operation the emulator serves, as "METHOD spec-path". */
const OPERATIONS = [
  'GET /v1/customers',
  'POST /v1/customers',
  'GET /v1/customers/search',
  'GET /v1/customers/{customer}',
  'POST /v1/customers/{customer}',
  'DELETE /v1/customers/{customer}',
  'GET /v1/customers/{customer}/payment_methods',
  'GET /v1/payment_methods',
  'POST /v1/payment_methods',
  'GET /v1/payment_methods/{payment_method}',
  'POST /v1/payment_methods/{payment_method}',
  'POST /v1/payment_methods/{payment_method}/attach',
  'POST /v1/payment_methods/{payment_method}/detach',
  'GET /v1/setup_intents',
  'POST /v1/setup_intents',
  'GET /v1/setup_intents/{intent}',
  'POST /v1/setup_intents/{intent}/confirm',
  'POST /v1/setup_intents/{intent}/cancel',
  'GET /v1/payment_intents',
  'POST /v1/payment_intents',
  'GET /v1/payment_intents/{intent}',
  'POST /v1/payment_intents/{intent}',
  'POST /v1/payment_intents/{intent}/confirm',
  'POST /v1/payment_intents/{intent}/capture',
  'POST /v1/payment_intents/{intent}/cancel',
  'GET /v1/checkout/sessions',
  'POST /v1/checkout/sessions',
  'GET /v1/checkout/sessions/{session}',
  'POST /v1/checkout/sessions/{session}/expire',
  'GET /v1/charges',
  'GET /v1/charges/{charge}',
  'GET /v1/refunds',
  'POST /v1/refunds',
  'GET /v1/refunds/{refund}',
  'GET /v1/disputes',
  'GET /v1/disputes/{dispute}',
  'POST /v1/disputes/{dispute}/close',
  'GET /v1/balance',
  'GET /v1/balance_transactions',
  'GET /v1/balance_transactions/{id}',
  'GET /v1/payouts',
  'GET /v1/payouts/{payout}',
  'GET /v1/events',
  'GET /v1/events/{id}',
  'GET /v1/webhook_endpoints',
  'POST /v1/webhook_endpoints',
  'GET /v1/webhook_endpoints/{webhook_endpoint}',
  'DELETE /v1/webhook_endpoints/{webhook_endpoint}',
];

/** Keep only the keywords the emulator's validator understands; inline $refs. */
function compact(schema, spec, depth = 0) {
  if (!schema || typeof schema !== 'object') return schema;
  if (schema.$ref) {
    if (depth > 12) return {};
    const name = schema.$ref.replace('#/components/schemas/', '');
    return compact(spec.components.schemas[name], spec, depth + 1);
  }
  const out = {};
  for (const k of ['type', 'enum', 'maxLength', 'required', 'additionalProperties', 'format']) {
    if (schema[k] !== undefined) out[k] = schema[k];
  }
  if (typeof out.additionalProperties === 'object') {
    out.additionalProperties = compact(out.additionalProperties, spec, depth + 1);
  }
  if (schema.properties) {
    out.properties = {};
    for (const [k, v] of Object.entries(schema.properties)) out.properties[k] = compact(v, spec, depth + 1);
  }
  if (schema.items) out.items = compact(schema.items, spec, depth + 1);
  if (schema.anyOf) out.anyOf = schema.anyOf.map((s) => compact(s, spec, depth + 1));
  return out;
}

async function main() {
  const spec = YAML.parse(fs.readFileSync(specPath, 'utf8'));
  const ops = {};
  for (const op of OPERATIONS) {
    const [method, p] = op.split(' ');
    const def = spec.paths[p] && spec.paths[p][method.toLowerCase()];
    if (!def) throw new Error(`operation missing from spec: ${op}`);
    const query = {};
    const required = [];
    for (const prm of def.parameters || []) {
      if (prm.in !== 'query') continue;
      query[prm.name] = compact(prm.schema, spec);
      if (prm.required) required.push(prm.name);
    }
    const form = def.requestBody && def.requestBody.content['application/x-www-form-urlencoded'];
    const entry = { operationId: def.operationId };
    if (Object.keys(query).length)
      entry.query = { type: 'object', properties: query, required, additionalProperties: false };
    if (form && form.schema) entry.body = compact(form.schema, spec);
    ops[op] = entry;
  }
  const doc = { source: 'spec3.yaml', apiVersion: spec.info.version, operations: ops };
  // Formatted by prettier so `prettier --check .` stays clean on the committed file.
  const opts = (await prettier.resolveConfig(outPath)) || {};
  const text = await prettier.format(JSON.stringify(doc), { ...opts, filepath: outPath });
  fs.writeFileSync(outPath, text);
  console.log(`wrote ${outPath}: ${OPERATIONS.length} operations, ${fs.statSync(outPath).size} bytes`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
