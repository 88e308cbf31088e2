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

/** A kind's live objects newest first, with each id's position (rebuilt after a change). */
interface Ordered {
  version: number;
  items: StripeObject[];
  pos: Map<string, number>;
}

const newestFirst = (a: StripeObject, b: StripeObject) =>
  b.created - a.created || (b.__seq ?? 0) - (a.__seq ?? 0);

/** Objects of one kind grouped by one field's value, each group in list order. */
interface Grouped {
  version: number;
  groups: Map<unknown, Ordered>;
}

export class StripeStore {
  private readonly byId = new Map<string, StripeObject>();
  private readonly order = new Map<string, StripeObject[]>();
  private seq = 0;
  /**
   * List order is kept per kind and only re-sorted after the kind changed, so a page costs its
   * own length (from the cursor's position), not a sort of every object: a backfill of 100,000
   * charges lists 1,000 pages.
   */
  private readonly versions = new Map<string, number>();
  private readonly ordered = new Map<string, Ordered>();
  private readonly grouped = new Map<string, Grouped>();

  reset(): void {
    this.byId.clear();
    this.order.clear();
    this.ordered.clear();
    this.grouped.clear();
    this.versions.clear();
  }

  /**
   * Marks a kind changed: call after changing a field that list order (`created`) or a grouped
   * field depends on, on objects already inserted.
   */
  touch(kind: string): void {
    this.versions.set(kind, (this.versions.get(kind) ?? 0) + 1);
  }

  /** Registers a new object; `kind` is the list it belongs to (usually its `object` field). */
  insert<T extends StripeObject>(obj: T, kind: string = obj.object): T {
    Object.defineProperty(obj, '__seq', { value: ++this.seq, enumerable: false });
    this.byId.set(obj.id, obj);
    const list = this.order.get(kind) ?? [];
    list.push(obj);
    this.order.set(kind, list);
    this.touch(kind);
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
    this.touch(kind);
  }

  /** Removes every object of `kind` matching `pred` in one pass. */
  prune(kind: string, pred: (o: StripeObject) => boolean): number {
    const list = this.order.get(kind) ?? [];
    const keep = list.filter((o) => !pred(o));
    for (const o of list) if (pred(o)) this.byId.delete(o.id);
    this.order.set(kind, keep);
    if (keep.length !== list.length) this.touch(kind);
    return list.length - keep.length;
  }

  all(kind: string): StripeObject[] {
    return this.order.get(kind) ?? [];
  }

  private sorted(kind: string): Ordered {
    const version = this.versions.get(kind) ?? 0;
    let o = this.ordered.get(kind);
    if (!o || o.version !== version) {
      const items = [...this.all(kind)].sort(newestFirst);
      o = { version, items, pos: new Map(items.map((x, i) => [x.id, i])) };
      this.ordered.set(kind, o);
    }
    return o;
  }

  /** The objects of `kind` whose `field` equals `value`, in list order (an equality index). */
  private group(kind: string, field: string, value: unknown): Ordered {
    const all = this.sorted(kind);
    const key = `${kind}\u0000${field}`;
    let g = this.grouped.get(key);
    if (!g || g.version !== all.version) {
      const groups = new Map<unknown, Ordered>();
      for (const x of all.items) {
        let e = groups.get(x[field]);
        if (!e) groups.set(x[field], (e = { version: all.version, items: [], pos: new Map() }));
        e.pos.set(x.id, e.items.length);
        e.items.push(x);
      }
      g = { version: all.version, groups };
      this.grouped.set(key, g);
    }
    return g.groups.get(value) ?? { version: all.version, items: [], pos: new Map() };
  }

  /**
   * A Stripe list object over `kind`, filtered, newest first. `where` names an equality filter
   * answered from an index (e.g. balance transactions of one payout); `filter` checks the rest.
   */
  list(
    kind: string,
    url: string,
    params: ListParams,
    filter: (o: StripeObject) => boolean = () => true,
    where?: { field: string; value: unknown },
  ): { object: 'list'; data: StripeObject[]; has_more: boolean; url: string } {
    const source = where ? this.group(kind, where.field, where.value) : this.sorted(kind);
    return paginate(source, url, params, (o) => !o.__deleted && filter(o));
  }
}

/**
 * Newest first (created desc, then insertion order desc), then cursor windows: scans from the
 * cursor's position and stops once the page (and the one object that proves has_more) is found.
 */
function paginate(source: Ordered, url: string, params: ListParams, ok: (o: StripeObject) => boolean) {
  const limit = params.limit ?? 10;
  if (limit < 1 || limit > 100)
    throw StripeApiError.invalid(`Invalid limit: must be between 1 and 100`, 'limit');
  if (params.starting_after && params.ending_before)
    throw StripeApiError.invalid(
      'You may only specify one of these parameters: ending_before, starting_after.',
      'ending_before',
      'parameters_exclusive',
    );
  const { items, pos } = source;
  const at = (id: string, param: string) => {
    const i = pos.get(id);
    if (i === undefined || !ok(items[i])) throw StripeApiError.missing(id, param);
    return i;
  };
  const found: StripeObject[] = [];
  if (params.ending_before) {
    // The `limit` objects just before the cursor (nearest first while scanning), shown newest first.
    for (let i = at(params.ending_before, 'ending_before') - 1; i >= 0 && found.length <= limit; i--)
      if (ok(items[i])) found.push(items[i]);
    return {
      object: 'list' as const,
      data: found.slice(0, limit).reverse(),
      has_more: found.length > limit,
      url,
    };
  }
  const from = params.starting_after ? at(params.starting_after, 'starting_after') + 1 : 0;
  for (let i = from; i < items.length && found.length <= limit; i++) if (ok(items[i])) found.push(items[i]);
  return { object: 'list' as const, data: found.slice(0, limit), has_more: found.length > limit, url };
}
