import type { Knex } from 'knex';
import type { Actor } from '../auth/access';
import { ChangeCapture } from '../change-capture.repository';
import { FieldError, Problem } from '../problem';
import { BatchInsertRepository } from './batch-insert.repository';
import { BATCH_LIMIT, ResourceDef } from './resource';
import { findIds, RecordRepository, Row } from './record.repository';
import { parseOrThrow } from './schema-kit';
import { RawJson } from '../raw-json';
import { z } from 'zod';

export interface ItemResult {
  index: number;
  status: 'created' | 'updated' | 'unchanged';
  record: Row;
}

const batchCreate = z.strictObject({ inputs: z.array(z.unknown()).min(1).max(BATCH_LIMIT) });
const batchUpdate = z.strictObject({
  inputs: z
    .array(z.looseObject({ id: z.number().int().positive() }))
    .min(1)
    .max(BATCH_LIMIT),
});

/**
 * Create/update/archive for one resource. Every write validates everything first, then writes the
 * rows, the audit trail and the outbox in one transaction: a request is applied whole or not at all.
 */
export class RecordService {
  private readonly repo: RecordRepository;
  private readonly changes = new ChangeCapture();
  private readonly batchInsert: BatchInsertRepository;

  constructor(
    private readonly db: Knex,
    readonly def: ResourceDef,
  ) {
    this.repo = new RecordRepository(def.table);
    this.batchInsert = new BatchInsertRepository(def.table, def.object);
  }

  async get(id: number): Promise<Row> {
    const row = await this.repo.get(this.db, id);
    if (!row) throw Problem.notFound(this.def.object, id);
    return row;
  }

  async create(actor: Actor, body: unknown): Promise<Row> {
    const [result] = await this.createMany(actor, [body], '');
    return result.record;
  }

  async batchCreate(actor: Actor, body: unknown): Promise<ItemResult[]> {
    const { inputs } = parseOrThrow(batchCreate, body);
    return this.createMany(actor, inputs, 'inputs');
  }

  /** `batchCreate` as the response's JSON text, the rows written by PostgreSQL (the HTTP path). */
  async batchCreateJson(actor: Actor, body: unknown): Promise<RawJson> {
    const { inputs } = parseOrThrow(batchCreate, body);
    const at = (i: number) => `inputs.${i}`;
    const parsed = this.validateCreates(inputs, at);
    const fast = await this.fastInsert(actor, parsed, true);
    if (fast) {
      const items = fast.map((r, index) => `{"index":${index},"status":"created","record":${r.__json}}`);
      return new RawJson(`{"results":[${items.join(',')}]}`);
    }
    return new RawJson(JSON.stringify({ results: await this.createInTransaction(actor, parsed, at) }));
  }

  private async createMany(actor: Actor, inputs: unknown[], prefix: string): Promise<ItemResult[]> {
    const at = (i: number) => (prefix ? `${prefix}.${i}` : '');
    const parsed = this.validateCreates(inputs, at);
    const fast = await this.fastInsert(actor, parsed, false);
    if (fast) return fast.map((record, index) => ({ index, status: 'created' as const, record }));
    return this.createInTransaction(actor, parsed, at);
  }

  private validateCreates(inputs: unknown[], at: (i: number) => string) {
    const parsed = this.validateAll(
      inputs.map((input, i) => () => parseOrThrow(this.def.create, input, at(i))),
    );
    const errors = parsed.flatMap((row, i) => this.ruleErrors(row, at(i)));
    if (errors.length) throw Problem.validation(errors);
    return parsed;
  }

  /**
   * One statement writes rows, outbox and audit (see BatchInsertRepository). Undefined when the
   * resource has unique keys, or a reference is missing or archived: the transactional path then
   * names the fields.
   */
  private async fastInsert(actor: Actor, parsed: Record<string, any>[], json: boolean) {
    if (this.def.unique?.length) return undefined;
    const fast = await this.batchInsert.insert(this.db, actor, parsed, this.def.references ?? {}, {
      derived: this.def.derived,
      json,
    });
    return fast.referenceFailure ? undefined : fast.rows;
  }

  private createInTransaction(actor: Actor, parsed: Record<string, any>[], at: (i: number) => string) {
    return this.db.transaction(async (trx) => {
      await this.checkReferences(trx, parsed, at);
      await this.checkUnique(trx, parsed, [], at);
      const rows = await this.repo.insertMany(
        trx,
        parsed.map((p) => this.toColumns(p)),
      );
      await this.changes.record(
        trx,
        actor,
        this.def.object,
        'create',
        rows.map((r) => ({ id: r.id, version: r.version, before: null, after: r })),
      );
      return rows.map((record, index) => ({ index, status: 'created' as const, record }));
    });
  }

  async update(actor: Actor, id: number, body: unknown, ifMatch?: number): Promise<ItemResult> {
    const patch = parseOrThrow(this.def.update, body);
    const [result] = await this.updateMany(actor, [{ id, patch, ifMatch }], '');
    return result;
  }

  async batchUpdate(actor: Actor, body: unknown): Promise<ItemResult[]> {
    const { inputs } = parseOrThrow(batchUpdate, body);
    const items = this.validateAll(
      inputs.map((input, i) => () => {
        const { id, version, ...rest } = input as { id: number; version?: unknown };
        const ifMatch =
          version === undefined ? undefined : parseOrThrow(z.number().int(), version, `inputs.${i}.version`);
        return { id, ifMatch, patch: parseOrThrow(this.def.update, rest, `inputs.${i}`) };
      }),
    );
    const dup = items.findIndex((it, i) => items.findIndex((o) => o.id === it.id) !== i);
    if (dup >= 0)
      throw Problem.validation([{ field: `inputs.${dup}.id`, message: 'appears twice in the batch' }]);
    return this.updateMany(actor, items, 'inputs');
  }

  private async updateMany(
    actor: Actor,
    items: { id: number; patch: Record<string, any>; ifMatch?: number }[],
    prefix: string,
  ): Promise<ItemResult[]> {
    const at = (i: number) => (prefix ? `${prefix}.${i}` : '');
    return this.db.transaction(async (trx) => {
      const current = new Map(
        (
          await this.repo.getMany(
            trx,
            items.map((i) => i.id),
            true,
          )
        ).map((r) => [r.id, r]),
      );
      const errors: FieldError[] = [];
      const merged = items.map((it, i) => {
        const row = current.get(it.id);
        if (!row) {
          if (!prefix) throw Problem.notFound(this.def.object, it.id);
          errors.push({ field: `${at(i)}.id`, message: `${this.def.object} ${it.id} does not exist` });
          return {};
        }
        if (row.archived_at) {
          throw Problem.conflict(`${this.def.object} ${it.id} is archived; restore it before editing.`);
        }
        if (it.ifMatch !== undefined && it.ifMatch !== row.version) {
          throw new Problem(
            412,
            'version-mismatch',
            `${this.def.object} ${it.id} is at version ${row.version}, not ${it.ifMatch}.`,
            [
              {
                field: prefix ? `${at(i)}.version` : 'If-Match',
                message: `current version is ${row.version}`,
              },
            ],
          );
        }
        const next = { ...row, ...this.mergeJson(row, it.patch) };
        errors.push(...this.ruleErrors(next, at(i)));
        return next;
      });
      if (errors.length) throw Problem.validation(errors);
      await this.checkReferences(
        trx,
        items.map((it) => it.patch),
        at,
      );
      await this.checkUnique(
        trx,
        items.map((it) => it.patch),
        items.map((it) => it.id),
        at,
      );
      const results: ItemResult[] = [];
      for (const [index, it] of items.entries()) {
        const before = current.get(it.id)!;
        const changed = this.changedColumns(before, merged[index]);
        if (!Object.keys(changed).length) {
          results.push({ index, status: 'unchanged', record: before });
          continue;
        }
        const after = await this.repo.update(trx, it.id, this.toColumns(changed));
        await this.changes.record(trx, actor, this.def.object, 'update', [
          { id: after.id, version: after.version, before, after },
        ]);
        results.push({ index, status: 'updated', record: after });
      }
      return results;
    });
  }

  async setArchived(actor: Actor, id: number, archived: boolean): Promise<Row> {
    return this.db.transaction(async (trx) => {
      const [before] = await this.repo.getMany(trx, [id], true);
      if (!before) throw Problem.notFound(this.def.object, id);
      if ((before.archived_at !== null) === archived) return before;
      const after = await this.repo.setArchived(trx, id, archived);
      await this.changes.record(trx, actor, this.def.object, archived ? 'archive' : 'restore', [
        { id, version: after.version, before, after },
      ]);
      return after;
    });
  }

  /** Runs every item's validation so one response names all bad fields of all items. */
  private validateAll<T>(steps: (() => T)[]): T[] {
    const errors: FieldError[] = [];
    const out = steps.map((step) => {
      try {
        return step();
      } catch (e) {
        if (e instanceof Problem && e.errors) errors.push(...e.errors);
        else throw e;
        return undefined as T;
      }
    });
    if (errors.length) throw Problem.validation(errors);
    return out;
  }

  private ruleErrors(row: Record<string, any>, prefix: string): FieldError[] {
    return (this.def.rules?.(row) ?? []).map((e) => ({
      ...e,
      field: prefix ? `${prefix}.${e.field}` : e.field,
    }));
  }

  private mergeJson(row: Row, patch: Record<string, any>) {
    const out = { ...patch };
    for (const col of this.def.json ?? []) {
      if (!(col in patch) || patch[col] === null) continue;
      const merged: Record<string, unknown> = { ...(row[col] ?? {}), ...patch[col] };
      for (const [k, v] of Object.entries(patch[col] as object)) if (v === null) delete merged[k];
      out[col] = merged;
    }
    return out;
  }

  private changedColumns(before: Row, after: Record<string, any>) {
    const out: Record<string, any> = {};
    for (const key of Object.keys(this.def.update.shape)) {
      if (!(key in after)) continue;
      const a = before[key] ?? null;
      const b = after[key] ?? null;
      const same =
        typeof a === 'object' || typeof b === 'object'
          ? stableJson(a) === stableJson(b)
          : this.def.decimal?.includes(key)
            ? decimalKey(a) === decimalKey(b)
            : String(a) === String(b);
      if (!same) out[key] = after[key] ?? null;
    }
    return out;
  }

  private toColumns(values: Record<string, any>) {
    const out = { ...values };
    for (const col of this.def.json ?? [])
      if (col in out && out[col] !== undefined) out[col] = JSON.stringify(out[col] ?? {});
    return out;
  }

  private async checkReferences(
    trx: Knex.Transaction,
    rows: Record<string, any>[],
    at: (i: number) => string,
  ) {
    const errors: FieldError[] = [];
    for (const [column, table] of Object.entries(this.def.references ?? {})) {
      const ids = [...new Set(rows.map((r) => r[column]).filter((v): v is number => typeof v === 'number'))];
      const found = await findIds(trx, table, ids);
      rows.forEach((r, i) => {
        if (typeof r[column] !== 'number') return;
        const field = at(i) ? `${at(i)}.${column}` : column;
        const archived = found.get(r[column]);
        if (archived === undefined) errors.push({ field, message: `${table} ${r[column]} does not exist` });
        else if (archived) errors.push({ field, message: `${table} ${r[column]} is archived` });
      });
    }
    if (errors.length) throw new Problem(422, 'reference', 'A referenced record does not exist.', errors);
  }

  private async checkUnique(
    trx: Knex.Transaction,
    rows: Record<string, any>[],
    ids: number[],
    at: (i: number) => string,
  ) {
    const errors: FieldError[] = [];
    for (const column of this.def.unique ?? []) {
      const values = rows.map((r) => r[column]).filter((v) => v !== undefined && v !== null);
      const taken = await this.repo.existingValues(trx, column, values, ids);
      const seen = new Set<string>();
      rows.forEach((r, i) => {
        if (r[column] === undefined || r[column] === null) return;
        const key = String(r[column]);
        const field = at(i) ? `${at(i)}.${column}` : column;
        if (taken.has(key))
          errors.push({
            field,
            message: `${column} ${key} is already used by ${this.def.object} ${taken.get(key)}`,
          });
        else if (seen.has(key))
          errors.push({ field, message: `${column} ${key} appears twice in the batch` });
        seen.add(key);
      });
    }
    if (errors.length)
      throw Problem.conflict(`A ${this.def.object} with the same unique value exists.`, errors);
  }
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`)
    .join(',')}}`;
}

/** '9.975000' and 9.975 are the same rate. */
function decimalKey(v: unknown): string {
  const s = String(v);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
