/**
 * The filter language's vocabulary. A resource declares an IndexDef (fields it can be filtered and
 * sorted on, associations usable in criteria); the parser validates input against it and the
 * compiler turns the resulting tree into parameterised SQL. One definition serves index pages,
 * saved views, lists and (later) workflow conditions.
 */
export type FieldType =
  'text' | 'int' | 'decimal' | 'bool' | 'enum' | 'date' | 'timestamp' | 'money' | 'list';

export interface FieldSpec {
  type: FieldType;
  /** Column name; defaults to the field name. For money: the minor-units column. */
  column?: string;
  /** money: the ISO currency column next to the amount. */
  currency?: string;
  /** enum: allowed values. */
  values?: readonly string[];
  /** May be used in `sort`: only fields backed by an index (field, id) are sortable. */
  sortable?: boolean;
  /** Column is NOT NULL: keyset paging then needs no separate pass over NULLs. */
  required?: boolean;
}

/**
 * A related table usable in exists / count / sum criteria. The child row matches when
 * child.foreignKey = parent.localKey (localKey defaults to `id`): payments.contact_id = contacts.id,
 * or for a to-one link companies.id = contacts.company_id.
 */
export interface AssociationSpec {
  target: () => IndexDef;
  foreignKey: string;
  localKey?: string;
}

/** What a resource declares (ResourceDef.index); object, table and columns come from the resource. */
export interface IndexSpec {
  fields: Record<string, FieldSpec>;
  associations?: Record<string, AssociationSpec>;
  /** Sort when none is given (`-field` for descending); ties are always broken by id. */
  defaultSort?: string;
  /** Read-only columns (e.g. denormalised ones) a `fields` projection may also name. */
  extraColumns?: string[];
}

export interface IndexDef extends IndexSpec {
  /** Singular object name, e.g. `contact` (lists and saved views refer to it). */
  object: string;
  table: string;
  /** Columns a `fields` projection may name. */
  columns: string[];
}

export const OPERATORS = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'is_empty',
  'is_not_empty',
  'between',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** A date or timestamp operand: an instant/day, or a half-open range [lo, hi). */
export type Temporal =
  { kind: 'point'; value: string } | { kind: 'range'; lo: string; hi: string; local: boolean };

export type Operand = string | number | boolean | null;

export interface Money {
  minor: number;
  currency: string;
}

export type FilterNode =
  | { kind: 'and' | 'or'; nodes: FilterNode[] }
  | { kind: 'cmp'; path: string; field: string; spec: FieldSpec; op: Operator; value: unknown }
  | {
      kind: 'assoc';
      path: string;
      spec: AssociationSpec;
      target: IndexDef;
      measure:
        | { kind: 'exists'; value: boolean }
        | { kind: 'count' }
        | { kind: 'sum'; field: string; spec: FieldSpec };
      ops: { op: Operator; value: unknown; path: string }[];
      where: FilterNode;
    };

/** Limits that keep a single request's SQL bounded. */
export const MAX_DEPTH = 4;
export const MAX_CONDITIONS = 50;
export const MAX_IN_VALUES = 500;
