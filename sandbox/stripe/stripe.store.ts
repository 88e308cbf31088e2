/**
 * In-memory state of the emulator: every object by id, creation order per object type, and
 * Stripe-style list pagination (newest first, limit 1–100, starting_after / ending_before).
 */
import { randomBytes } from 'node:crypto';
import { StripeApiError } from './stripe.errors';
import type { StripeObject } from './stripe.types';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newId(prefix: string, len = 24): string {
  const bytes = randomBytes(len);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[bytes[i] % ALPHABET.length];
  return `${prefix}_${s}`;
}

export interface ListParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

export class StripeStore {
  private readonly byId = new Map<string, StripeObject>();
  private readonly order = new Map<string, StripeObject[]>();
  private seq = 0;

  reset(): void {
    this.byId.clear();
    this.order.clear();
  }

  /** Registers a new object; `kind` is the list it belongs to (usually its `object` field). */
  insert<T extends StripeObject>(obj: T, kind: string = obj.object): T {
    Object.defineProperty(obj, '__seq', { value: ++this.seq, enumerable: false });
    this.byId.set(obj.id, obj);
    const list = this.order.get(kind) ?? [];
    list.push(obj);
    this.order.set(kind, list);
    return obj;
  }

  get(id: string): StripeObject | undefined {
    return this.byId.get(id);
  }

  /** Lookup that answers Stripe's 404 resource_missing when the id is unknown or of another kind. */
  find(id: string, kind: string, param = 'id'): StripeObject {
    const o = this.byId.get(id);
    if (!o || o.object !== kind || o.__deleted) throw StripeApiError.missing(id, param);
    return o;
  }

  remove(id: string, kind: string): void {
    this.byId.delete(id);
    const list = this.order.get(kind);
    if (list)
      this.order.set(
        kind,
        list.filter((o) => o.id !== id),
      );
  }

  /** Removes every object of `kind` matching `pred` in one pass. */
  prune(kind: string, pred: (o: StripeObject) => boolean): number {
    const list = this.order.get(kind) ?? [];
    const keep = list.filter((o) => !pred(o));
    for (const o of list) if (pred(o)) this.byId.delete(o.id);
    this.order.set(kind, keep);
    return list.length - keep.length;
  }

  all(kind: string): StripeObject[] {
    return this.order.get(kind) ?? [];
  }

  /** A Stripe list object over `kind`, filtered, newest first. */
  list(
    kind: string,
    url: string,
    params: ListParams,
    filter: (o: StripeObject) => boolean = () => true,
  ): { object: 'list'; data: StripeObject[]; has_more: boolean; url: string } {
    return paginate(
      this.all(kind).filter((o) => !o.__deleted && filter(o)),
      url,
      params,
    );
  }
}

/** Newest first (created desc, then insertion order desc), then cursor windows. */
export function paginate(items: StripeObject[], url: string, params: ListParams) {
  const limit = params.limit ?? 10;
  if (limit < 1 || limit > 100)
    throw StripeApiError.invalid(`Invalid limit: must be between 1 and 100`, 'limit');
  if (params.starting_after && params.ending_before)
    throw StripeApiError.invalid(
      'You may only specify one of these parameters: ending_before, starting_after.',
      'ending_before',
      'parameters_exclusive',
    );
  const sorted = [...items].sort((a, b) => b.created - a.created || (b.__seq ?? 0) - (a.__seq ?? 0));
  let data: StripeObject[];
  let hasMore: boolean;
  if (params.starting_after) {
    const i = sorted.findIndex((o) => o.id === params.starting_after);
    if (i < 0) throw StripeApiError.missing(params.starting_after, 'starting_after');
    const rest = sorted.slice(i + 1);
    data = rest.slice(0, limit);
    hasMore = rest.length > limit;
  } else if (params.ending_before) {
    const i = sorted.findIndex((o) => o.id === params.ending_before);
    if (i < 0) throw StripeApiError.missing(params.ending_before, 'ending_before');
    const before = sorted.slice(0, i);
    data = before.slice(Math.max(0, before.length - limit));
    hasMore = before.length > limit;
  } else {
    data = sorted.slice(0, limit);
    hasMore = sorted.length > limit;
  }
  return { object: 'list' as const, data, has_more: hasMore, url };
}
