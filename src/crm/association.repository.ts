import type { Knex } from 'knex';
import type { Db } from '../app/database';

export interface End {
  object: string;
  id: number;
}

export interface AssociationRow {
  id: number;
  from_object: string;
  from_id: number;
  to_object: string;
  to_id: number;
  label: string;
  version: number;
  archived_at: Date | null;
}

/** A pair is stored once, ends ordered, so A→B and B→A are the same association. */
export function ordered(a: End, b: End): [End, End] {
  return a.object < b.object || (a.object === b.object && a.id <= b.id) ? [a, b] : [b, a];
}

export class AssociationRepository {
  async find(db: Db, a: End, b: End, label: string): Promise<AssociationRow | undefined> {
    const [x, y] = ordered(a, b);
    return db('associations')
      .where({ from_object: x.object, from_id: x.id, to_object: y.object, to_id: y.id, label })
      .forUpdate()
      .first();
  }

  async insert(trx: Knex.Transaction, a: End, b: End, label: string): Promise<AssociationRow> {
    const [x, y] = ordered(a, b);
    const [row] = await trx('associations')
      .insert({ from_object: x.object, from_id: x.id, to_object: y.object, to_id: y.id, label })
      .returning('*');
    return row;
  }

  async setArchived(trx: Knex.Transaction, id: number, archived: boolean): Promise<AssociationRow> {
    const [row] = await trx('associations')
      .where({ id })
      .update({
        archived_at: archived ? trx.fn.now() : null,
        version: trx.raw('version + 1'),
        updated_at: trx.fn.now(),
      })
      .returning('*');
    return row;
  }

  /** Active associations of `end` with records of `toObject`. */
  async listFor(db: Db, end: End, toObject: string) {
    const rows: AssociationRow[] = await db('associations')
      .whereNull('archived_at')
      .andWhere((q) => {
        void q
          .where({ from_object: end.object, from_id: end.id, to_object: toObject })
          .orWhere({ to_object: end.object, to_id: end.id, from_object: toObject });
      })
      .orderBy('id');
    return rows.map((r) => {
      const self = r.from_object === end.object && Number(r.from_id) === end.id;
      return {
        id: r.id,
        object: toObject,
        record_id: Number(self ? r.to_id : r.from_id),
        label: r.label,
      };
    });
  }
}
