import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { id, parseOrThrow, text } from '../app/crud/schema-kit';
import { Problem } from '../app/problem';
import type { FilterNode, IndexDef } from '../app/query/filter.types';
import { indexFor } from '../app/query/index-registry';
import type { IndexQueryService } from '../app/query/index-query.service';
import type { RawJson } from '../app/raw-json';
import { ListRepository, ListRow } from './list.repository';

export const LIST_OBJECTS = ['contact', 'company', 'deal'];
const filterShape = z.record(z.string(), z.unknown());
const createBody = z.strictObject({
  name: text(200),
  object: z.string().max(50),
  kind: z.enum(['static', 'dynamic']),
  filter: filterShape.optional(),
  ids: z.array(id).max(10000).optional(),
});
const updateBody = z.strictObject({ name: text(200).optional(), filter: filterShape.optional() });
const membersBody = z.strictObject({ ids: z.array(id).min(1).max(10000) });

/** Lists older than this are recomputed even without changes: relative dates move with time. */
export const LIST_MAX_AGE_MS = 15 * 60 * 1000;

/**
 * Static lists (members added and removed explicitly) and dynamic lists (members = records matching
 * a filter, recomputed in SQL on demand and whenever the outbox shows a change to the objects the
 * filter reads). Lists are filterable criteria themselves: filter[list][in]=ID.
 */
export class ListService {
  private readonly repo = new ListRepository();
  private readonly changes = new ChangeCapture();

  constructor(
    private readonly db: Knex,
    private readonly index: IndexQueryService,
    private readonly log?: Logger,
  ) {}

  private defOf(object: string, param = 'object'): IndexDef {
    return indexFor(object, param, LIST_OBJECTS);
  }

  list(object?: string) {
    if (object !== undefined) this.defOf(object);
    return this.repo.list(this.db, object);
  }

  async get(listId: number): Promise<ListRow> {
    const row = await this.repo.get(this.db, listId);
    if (!row || row.archived_at) throw Problem.notFound('list', listId);
    return row;
  }

  async create(actor: Actor, body: unknown) {
    const input = parseOrThrow(createBody, body);
    const def = this.defOf(input.object);
    if (input.kind === 'dynamic') {
      if (!input.filter)
        throw Problem.validation([{ field: 'filter', message: 'is required for a dynamic list' }]);
      if (input.ids)
        throw Problem.validation([{ field: 'ids', message: 'a dynamic list takes a filter, not ids' }]);
      this.index.parse(def, input.filter, 'filter');
    } else if (input.filter) {
      throw Problem.validation([{ field: 'filter', message: 'a static list takes ids, not a filter' }]);
    }
    return this.db.transaction(async (trx) => {
      let row = await this.repo.insert(trx, {
        name: input.name,
        object: input.object,
        kind: input.kind,
        filter: input.filter ? JSON.stringify(input.filter) : null,
        owner_key_id: actor.keyId,
      });
      await this.changes.record(trx, actor, 'list', 'create', [
        { id: row.id, version: 1, before: null, after: row },
      ]);
      if (input.kind === 'dynamic') await this.recompute(trx, row);
      else if (input.ids?.length) {
        await this.add(trx, actor, row, input.ids);
        await this.repo.recount(trx, row.id);
      }
      row = (await this.repo.get(trx, row.id))!;
      return row;
    });
  }

  async update(actor: Actor, listId: number, body: unknown) {
    const patch = parseOrThrow(updateBody, body);
    return this.db.transaction(async (trx) => {
      const before = await this.locked(trx, listId);
      if (patch.filter) {
        if (before.kind !== 'dynamic')
          throw Problem.validation([{ field: 'filter', message: 'a static list takes ids, not a filter' }]);
        this.index.parse(this.defOf(before.object), patch.filter, 'filter');
      }
      const after = await this.repo.update(trx, listId, {
        ...patch,
        ...(patch.filter ? { filter: JSON.stringify(patch.filter) } : {}),
      });
      await this.changes.record(trx, actor, 'list', 'update', [
        { id: listId, version: after.version, before, after },
      ]);
      if (patch.filter) await this.recompute(trx, after);
      return (await this.repo.get(trx, listId))!;
    });
  }

  async archive(actor: Actor, listId: number) {
    return this.db.transaction(async (trx) => {
      const before = await this.locked(trx, listId);
      const after = await this.repo.update(trx, listId, { archived_at: trx.fn.now() });
      await this.changes.record(trx, actor, 'list', 'archive', [
        { id: listId, version: after.version, before, after },
      ]);
      return after;
    });
  }

  /** Members as an index page of the list's object: same filter, sort, fields, cursor and count. */
  async members(listId: number, query: Record<string, unknown>, actor: Actor): Promise<RawJson> {
    const list = await this.get(listId);
    if ('filter[list][in]' in query)
      throw Problem.validation([{ field: 'filter[list][in]', message: 'is set by the list' }]);
    return this.index.listJson(
      this.defOf(list.object),
      { ...query, 'filter[list][in]': String(listId) },
      actor,
    );
  }

  async addMembers(actor: Actor, listId: number, body: unknown) {
    const { ids } = parseOrThrow(membersBody, body);
    return this.db.transaction(async (trx) => {
      const list = await this.locked(trx, listId, 'static');
      const added = await this.add(trx, actor, list, ids);
      return { added, member_count: await this.repo.recount(trx, listId) };
    });
  }

  async removeMembers(actor: Actor, listId: number, body: unknown) {
    const { ids } = parseOrThrow(membersBody, body);
    return this.db.transaction(async (trx) => {
      await this.locked(trx, listId, 'static');
      const removed = await this.repo.removeMembers(trx, listId, ids);
      await this.changes.audit(trx, actor, 'members_remove', 'list', [
        { id: listId, before: null, after: { ids } },
      ]);
      return { removed, member_count: await this.repo.recount(trx, listId) };
    });
  }

  /** On-demand refresh of a dynamic list. */
  async refresh(listId: number) {
    return this.db.transaction(async (trx) => {
      const list = await this.locked(trx, listId, 'dynamic');
      return { ...(await this.recompute(trx, list)), list_id: listId };
    });
  }

  /**
   * Refreshes dynamic lists whose inputs changed (outbox rows for the list's object or any object
   * its criteria read) or that are older than LIST_MAX_AGE_MS. Lists locked by another process are
   * skipped, so several workers can run this.
   */
  async refreshStale(maxAgeMs = LIST_MAX_AGE_MS): Promise<number> {
    let refreshed = 0;
    for (const candidate of await this.repo.staleDynamicLists(this.db, maxAgeMs)) {
      const done = await this.db.transaction(async (trx) => {
        const list = await this.repo.get(trx, candidate.id, 'skip');
        if (!list || list.archived_at || list.kind !== 'dynamic') return false;
        const def = this.defOf(list.object);
        const node = this.index.parse(def, list.filter ?? {});
        const fresh = list.refreshed_at && Date.now() - new Date(list.refreshed_at).getTime() < maxAgeMs;
        if (fresh && !(await this.repo.changedSince(trx, list.refreshed_outbox_id, dependsOn(def, node)))) {
          // Nothing it reads changed: just move its outbox mark forward.
          await trx('lists')
            .where({ id: list.id })
            .update({ refreshed_outbox_id: await this.repo.outboxHead(trx) });
          return false;
        }
        await this.recompute(trx, list);
        return true;
      });
      if (done) refreshed++;
    }
    if (refreshed) this.log?.debug({ refreshed }, 'dynamic lists refreshed');
    return refreshed;
  }

  private async recompute(trx: Knex.Transaction, list: ListRow) {
    const def = this.defOf(list.object);
    const node = this.index.parse(def, list.filter ?? {});
    const head = await this.repo.outboxHead(trx);
    return this.repo.recompute(trx, list, def.table, this.index.compile(def, node, 't'), head);
  }

  private async add(trx: Knex.Transaction, actor: Actor, list: ListRow, ids: number[]) {
    const { missing, added } = await this.repo.addMembers(trx, list.id, this.defOf(list.object).table, ids);
    if (missing.length)
      throw new Problem(
        422,
        'reference',
        `Some ${list.object} records do not exist or are archived.`,
        missing.map((m) => ({
          field: `ids.${ids.indexOf(m)}`,
          message: `${list.object} ${m} does not exist or is archived`,
        })),
      );
    await this.changes.audit(trx, actor, 'members_add', 'list', [
      { id: list.id, before: null, after: { ids } },
    ]);
    return added;
  }

  private async locked(trx: Knex.Transaction, listId: number, kind?: 'static' | 'dynamic') {
    const row = await this.repo.get(trx, listId, 'update');
    if (!row || row.archived_at) throw Problem.notFound('list', listId);
    if (kind && row.kind !== kind)
      throw Problem.conflict(`List ${listId} is ${row.kind}; this operation needs a ${kind} list.`);
    return row;
  }
}

/** Objects whose changes can alter a filter's result: the list's own plus every association target. */
export function dependsOn(def: IndexDef, node: FilterNode, out = new Set<string>([def.object])): string[] {
  if (node.kind === 'and' || node.kind === 'or') node.nodes.forEach((n) => dependsOn(def, n, out));
  if (node.kind === 'assoc') {
    out.add(node.target.object);
    dependsOn(node.target, node.where, out);
  }
  if (node.kind === 'cmp' && node.spec.type === 'list') out.add('list');
  return [...out];
}
