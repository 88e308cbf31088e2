import type { ResourceDef } from '../crud/resource';
import type { FieldSpec, IndexDef, IndexSpec } from './filter.types';

const SYSTEM_COLUMNS = ['id', 'version', 'created_at', 'updated_at', 'archived_at'];

/**
 * Fields every canonical table has; resources add their own on top. Only id is sortable by
 * default: a resource marks created_at/updated_at sortable where a (column, id) index exists.
 */
export const systemFields: Record<string, FieldSpec> = {
  id: { type: 'int', sortable: true, required: true },
  created_at: { type: 'timestamp', required: true },
  updated_at: { type: 'timestamp', required: true },
};

/** created_at / updated_at declared sortable (their (column, id) indexes exist). */
export const sortableTimestamps = (...cols: ('created_at' | 'updated_at')[]): Record<string, FieldSpec> =>
  Object.fromEntries(cols.map((c) => [c, { type: 'timestamp', sortable: true, required: true }]));

const cache = new WeakMap<ResourceDef, IndexDef>();

/** The IndexDef of a resource: its declared index, or id/created_at/updated_at only. */
export function indexOf(def: ResourceDef): IndexDef {
  let out = cache.get(def);
  if (!out) {
    const spec: IndexSpec = def.index ?? { fields: {} };
    out = {
      ...spec,
      object: def.object,
      table: def.table,
      fields: { ...systemFields, ...spec.fields },
      columns: [
        ...new Set([...SYSTEM_COLUMNS, ...Object.keys(def.create.shape), ...(spec.extraColumns ?? [])]),
      ],
    };
    cache.set(def, out);
  }
  return out;
}

/** For tables without a ResourceDef yet (payments, invoices, subscriptions): association targets. */
export function tableIndex(object: string, table: string, spec: IndexSpec, columns: string[]): IndexDef {
  return {
    ...spec,
    object,
    table,
    fields: { ...systemFields, ...spec.fields },
    columns: [...SYSTEM_COLUMNS, ...columns, ...(spec.extraColumns ?? [])],
  };
}
