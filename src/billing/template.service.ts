import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { parseOrThrow } from '../app/crud/schema-kit';
import type { Db } from '../app/database';
import { Problem } from '../app/problem';
import { KNEX } from '../app/tokens';
import { TemplateRepository } from './template.repository';
import {
  createTemplate,
  DEFAULT_SECTIONS,
  DEFAULT_THEME,
  sectionsByKind,
  TemplateKind,
  TemplateModel,
  updateTemplate,
} from './template.types';

/** Templates: a theme and editable sections per kind, merged over the built-in defaults. */
@Injectable()
export class TemplateService {
  private readonly repo = new TemplateRepository();
  private readonly changes = new ChangeCapture();

  constructor(@Inject(KNEX) private readonly db: Knex) {}

  list(kind?: string) {
    return this.repo.list(this.db, kind);
  }

  async get(id: number) {
    const t = await this.repo.get(this.db, id);
    if (!t) throw Problem.notFound('template', id);
    return t;
  }

  async create(actor: Actor, body: z.output<typeof createTemplate>) {
    const sections = parseOrThrow(sectionsByKind[body.kind], body.sections ?? {}, 'sections');
    return this.db.transaction(async (trx) => {
      if (body.is_default) await this.repo.clearDefault(trx, body.kind);
      const t = await this.repo.insert(trx, {
        kind: body.kind,
        name: body.name,
        is_default: body.is_default ?? false,
        theme: JSON.stringify(body.theme ?? {}),
        sections: JSON.stringify(sections),
      });
      await this.changes.record(trx, actor, 'template', 'create', [
        { id: t.id, version: t.version, before: null, after: t },
      ]);
      return t;
    });
  }

  async update(actor: Actor, id: number, body: z.output<typeof updateTemplate>) {
    return this.db.transaction(async (trx) => {
      const before = await this.repo.get(trx, id, true);
      if (!before) throw Problem.notFound('template', id);
      const patch: Record<string, unknown> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.theme !== undefined) patch.theme = JSON.stringify({ ...before.theme, ...body.theme });
      if (body.sections !== undefined) {
        const merged = { ...before.sections, ...body.sections };
        patch.sections = JSON.stringify(
          parseOrThrow(sectionsByKind[before.kind as TemplateKind], merged, 'sections'),
        );
      }
      if (body.is_default !== undefined) {
        if (body.is_default) await this.repo.clearDefault(trx, before.kind, id);
        patch.is_default = body.is_default;
      }
      const after = await this.repo.update(trx, id, patch);
      await this.changes.record(trx, actor, 'template', 'update', [
        { id, version: after.version, before, after },
      ]);
      return after;
    });
  }

  /**
   * The template to render with: the one asked for (it must be of the right kind), else the
   * default of that kind, else the built-in one — merged over the built-in defaults.
   */
  async resolve(db: Db, kind: TemplateKind, id?: number | null): Promise<TemplateModel> {
    let row = id ? await this.repo.get(db, id) : undefined;
    if (id && (!row || row.kind !== kind)) row = undefined;
    row ??= await this.repo.defaultFor(db, kind);
    return modelOf(kind, row);
  }
}

export function modelOf(kind: TemplateKind, row?: { id: number; theme: any; sections: any }): TemplateModel {
  const defaults = DEFAULT_SECTIONS[kind];
  const sections: Record<string, any> = { ...defaults };
  for (const [k, v] of Object.entries(row?.sections ?? {})) {
    sections[k] = typeof v === 'object' && v ? { ...defaults[k], ...v } : v;
  }
  return { id: row?.id ?? null, kind, theme: { ...DEFAULT_THEME, ...(row?.theme ?? {}) }, sections };
}

export function validateTemplateBody(input: unknown) {
  return parseOrThrow(createTemplate, input);
}
