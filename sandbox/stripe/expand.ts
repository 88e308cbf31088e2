/**
 * `expand[]=latest_charge`, `expand[]=data.customer`: replaces id strings at the given dotted
 * paths with the objects they name (Stripe allows up to four levels).
 *
 * Copy-on-write: only the objects along an expanded path are copied (shallowly), the stored
 * objects are never changed, and the answer is serialized once afterwards (which drops internal
 * `__` fields) — instead of a JSON round trip of the whole answer and of every expanded object.
 */
import type { StripeStore } from './stripe.store';
import { StripeApiError } from './stripe.errors';

export function expand(store: StripeStore, result: unknown, paths: string[] | undefined): unknown {
  let out = result;
  for (const p of paths ?? []) {
    const parts = p.split('.');
    if (parts.length > 4)
      throw StripeApiError.invalid(
        `You cannot expand more than 4 levels of a property. Property: ${p}`,
        'expand',
      );
    out = walk(store, out, parts, p);
  }
  return out;
}

function walk(store: StripeStore, node: any, parts: string[], full: string): unknown {
  if (!node || typeof node !== 'object') return node;
  const [head, ...rest] = parts;
  if (head === 'data' && Array.isArray(node.data) && node.object === 'list' && rest.length)
    return { ...node, data: node.data.map((item: unknown) => walk(store, item, rest, full)) };
  // Internal fields and absent (undefined) ones are not part of the object Stripe shows.
  if (head.startsWith('__') || !(head in node) || node[head] === undefined)
    throw StripeApiError.invalid(`This property cannot be expanded (${full}).`, 'expand');
  let value: unknown = node[head];
  if (typeof value === 'string') value = store.get(value) ?? value;
  if (rest.length) value = walk(store, value, rest, full);
  return value === node[head] ? node : { ...node, [head]: value };
}
