import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { findIds } from '../app/crud/record.repository';
import { Problem } from '../app/problem';
import { KNEX } from '../app/tokens';
import { AssociationRepository, End } from './association.repository';

/** Objects that can be associated, by URL segment → table. */
export const ASSOCIABLE: Record<string, string> = {
  companies: 'companies',
  contacts: 'contacts',
  deals: 'deals',
  products: 'products',
  invoices: 'invoices',
  payments: 'payments',
  subscriptions: 'subscriptions',
};

@Injectable()
export class AssociationService {
  private readonly repo = new AssociationRepository();
  private readonly changes = new ChangeCapture();

  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async list(from: End, toObject: string) {
    await this.mustExist(this.db, from, 'id');
    return this.repo.listFor(this.db, from, toObject);
  }

  /** Idempotent: associating twice leaves one association. */
  async associate(actor: Actor, a: End, b: End, label: string) {
    if (a.object === b.object && a.id === b.id) {
      throw Problem.validation([{ field: 'to_id', message: 'a record cannot be associated with itself' }]);
    }
    return this.db.transaction(async (trx) => {
      await this.mustExist(trx, a, 'id');
      await this.mustExist(trx, b, 'to_id');
      const existing = await this.repo.find(trx, a, b, label);
      if (existing && !existing.archived_at) return { status: 'unchanged', association: existing };
      const row = existing
        ? await this.repo.setArchived(trx, existing.id, false)
        : await this.repo.insert(trx, a, b, label);
      await this.changes.record(trx, actor, 'association', existing ? 'restore' : 'create', [
        { id: row.id, version: row.version, before: existing ?? null, after: row },
      ]);
      return { status: existing ? 'restored' : 'created', association: row };
    });
  }

  async dissociate(actor: Actor, a: End, b: End, label: string) {
    return this.db.transaction(async (trx) => {
      const existing = await this.repo.find(trx, a, b, label);
      if (!existing || existing.archived_at)
        throw new Problem(404, 'not-found', 'These records are not associated.');
      const row = await this.repo.setArchived(trx, existing.id, true);
      await this.changes.record(trx, actor, 'association', 'archive', [
        { id: row.id, version: row.version, before: existing, after: row },
      ]);
      return row;
    });
  }

  private async mustExist(db: Knex | Knex.Transaction, end: End, field: string) {
    const found = await findIds(db, ASSOCIABLE[end.object], [end.id]);
    if (!found.has(end.id)) throw Problem.notFound(end.object, end.id);
    if (found.get(end.id)) {
      throw new Problem(422, 'reference', `${end.object} ${end.id} is archived.`, [
        { field, message: 'is archived' },
      ]);
    }
  }
}
