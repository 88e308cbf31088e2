import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { parseOrThrow, text } from '../app/crud/schema-kit';
import { Problem } from '../app/problem';
import { parseFilter } from '../app/query/filter.parser';
import { indexFor } from '../app/query/index-registry';
import { parseFields, parseSort } from '../app/query/index-query.service';
import type { AppliedView, ViewSource } from '../app/query/view-source';
import { SavedViewRepository, SavedViewRow } from './saved-view.repository';

const fields = {
  name: text(200),
  filter: z.record(z.string(), z.unknown()).optional(),
  sort: z.string().max(100).nullable().optional(),
  columns: z.array(z.string().max(100)).max(100).nullable().optional(),
  shared: z.boolean().optional(),
  is_default: z.boolean().optional(),
};
const createBody = z.strictObject({ object: z.string().max(50), ...fields });
const updateBody = z.strictObject(fields).partial();

/**
 * Saved views: name, filter, sort and columns of one object's index page. The hub has API keys,
 * not user accounts, so a view's owner is the API key that created it (`owner_key_id`): each
 * integration or person holding a key keeps their own views and default; `shared` views are
 * visible to every key. Only the owner (or an admin) changes a view.
 */
export class SavedViewService implements ViewSource {
  private readonly repo = new SavedViewRepository();
  private readonly changes = new ChangeCapture();

  constructor(private readonly db: Knex) {}

  list(actor: Actor, object?: string) {
    if (object !== undefined) indexFor(object);
    return this.repo.list(this.db, actor.keyId, object);
  }

  async get(actor: Actor, id: number): Promise<SavedViewRow> {
    const row = await this.repo.get(this.db, id);
    if (!row || row.archived_at || (!row.shared && row.owner_key_id !== actor.keyId))
      throw Problem.notFound('saved view', id);
    return row;
  }

  /** Checks filter, sort and columns against the object's index so a stored view always runs. */
  private validate(object: string, v: { filter?: unknown; sort?: string | null; columns?: string[] | null }) {
    const def = indexFor(object);
    if (v.filter !== undefined) parseFilter(def, v.filter, 'filter');
    if (v.sort) parseSort(def, v.sort, 'sort');
    if (v.columns?.length) parseFields(def, v.columns, 'columns');
  }

  async create(actor: Actor, body: unknown): Promise<SavedViewRow> {
    const input = parseOrThrow(createBody, body);
    this.validate(input.object, input);
    return defaultRace(
      this.db.transaction(async (trx) => {
        const cleared = input.is_default ? await this.repo.clearDefault(trx, actor.keyId, input.object) : [];
        const row = await this.repo.insert(trx, {
          ...input,
          owner_key_id: actor.keyId,
          filter: JSON.stringify(input.filter ?? {}),
          columns: input.columns ? JSON.stringify(input.columns) : null,
        });
        await this.capture(trx, actor, 'update', cleared);
        await this.changes.record(trx, actor, 'saved_view', 'create', [
          { id: row.id, version: row.version, before: null, after: row },
        ]);
        return row;
      }),
    );
  }

  async update(actor: Actor, id: number, body: unknown): Promise<SavedViewRow> {
    const patch = parseOrThrow(updateBody, body);
    return defaultRace(
      this.db.transaction(async (trx) => {
        const before = await this.owned(trx, actor, id);
        this.validate(before.object, patch);
        const cleared = patch.is_default
          ? await this.repo.clearDefault(trx, before.owner_key_id, before.object, id)
          : [];
        const cols: Record<string, unknown> = { ...patch };
        if (patch.filter !== undefined) cols.filter = JSON.stringify(patch.filter);
        if (patch.columns !== undefined) cols.columns = patch.columns ? JSON.stringify(patch.columns) : null;
        const after = await this.repo.update(trx, id, cols);
        await this.capture(trx, actor, 'update', cleared);
        await this.changes.record(trx, actor, 'saved_view', 'update', [
          { id, version: after.version, before, after },
        ]);
        return after;
      }),
    );
  }

  async archive(actor: Actor, id: number): Promise<SavedViewRow> {
    return this.db.transaction(async (trx) => {
      const before = await this.owned(trx, actor, id);
      const after = await this.repo.update(trx, id, { archived_at: trx.fn.now(), is_default: false });
      await this.changes.record(trx, actor, 'saved_view', 'archive', [
        { id, version: after.version, before, after },
      ]);
      return after;
    });
  }

  /** ViewSource: `view=ID` (own or shared) or `view=default` (the caller's default for the object). */
  async resolve(object: string, view: string, actor: Actor): Promise<AppliedView> {
    const row =
      view === 'default'
        ? await this.repo.defaultFor(this.db, actor.keyId, object)
        : await this.get(actor, Number(view)).catch(() => undefined);
    if (!row)
      throw Problem.validation([
        {
          field: 'view',
          message:
            view === 'default'
              ? `no default view for ${object}`
              : `saved view ${view} does not exist or is not shared with you`,
        },
      ]);
    if (row.object !== object)
      throw Problem.validation([{ field: 'view', message: `saved view ${view} is a view of ${row.object}` }]);
    return { id: row.id, filter: row.filter ?? {}, sort: row.sort, columns: row.columns };
  }

  private async owned(trx: Knex.Transaction, actor: Actor, id: number): Promise<SavedViewRow> {
    const row = await this.repo.get(trx, id, true);
    if (
      !row ||
      row.archived_at ||
      (!row.shared && row.owner_key_id !== actor.keyId && actor.role !== 'admin')
    )
      throw Problem.notFound('saved view', id);
    if (row.owner_key_id !== actor.keyId && actor.role !== 'admin')
      throw new Problem(403, 'forbidden', 'Only the owner of a saved view (or an admin) may change it.');
    return row;
  }

  private async capture(trx: Knex.Transaction, actor: Actor, op: 'update', rows: SavedViewRow[]) {
    if (!rows.length) return;
    await this.changes.record(
      trx,
      actor,
      'saved_view',
      op,
      rows.map((r) => ({ id: r.id, version: r.version, before: { ...r, is_default: true }, after: r })),
    );
  }
}

/** Two concurrent "make this my default" requests: the partial unique index stops the second. */
async function defaultRace<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (
      (err as { code?: string }).code === '23505' &&
      /saved_views_one_default/.test(String((err as Error).message))
    )
      throw Problem.conflict('Another default view for this object was saved at the same time; retry.');
    throw err;
  }
}
