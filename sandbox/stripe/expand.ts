/**
 * `expand[]=latest_charge`, `expand[]=data.customer`: replaces id strings at the given dotted
 * paths with the objects they name (Stripe allows up to four levels).
 */
import type { StripeStore } from './stripe.store';
import { StripeApiError } from './stripe.errors';
import { snapshot } from './stripe.context';

export function expand(store: StripeStore, result: unknown, paths: string[] | undefined): unknown {
  const out = snapshot(result);
  for (const p of paths ?? []) {
    const parts = p.split('.');
    if (parts.length > 4)
      throw StripeApiError.invalid(
        `You cannot expand more than 4 levels of a property. Property: ${p}`,
        'expand',
      );
    walk(store, out, parts, p);
  }
  return out;
}

function walk(store: StripeStore, node: any, parts: string[], full: string): void {
  if (!node || typeof node !== 'object') return;
  const [head, ...rest] = parts;
  if (head === 'data' && Array.isArray(node.data) && node.object === 'list' && rest.length) {
    for (const item of node.data) walk(store, item, rest, full);
    return;
  }
  if (!(head in node)) throw StripeApiError.invalid(`This property cannot be expanded (${full}).`, 'expand');
  if (typeof node[head] === 'string') {
    const target = store.get(node[head]);
    if (target) node[head] = snapshot(target);
  }
  if (rest.length) walk(store, node[head], rest, full);
}
