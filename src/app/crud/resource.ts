import type { z } from 'zod';
import type { FieldError } from '../problem';
import type { IndexSpec } from '../query/filter.types';

/** Declarative description of a CRUD resource; the kit turns it into SQL, validation and routes. */
export interface ResourceDef {
  /** Singular name used in audit_log and sync_outbox, e.g. `company`. */
  object: string;
  /** URL segment and OpenAPI tag, e.g. `companies`. */
  path: string;
  table: string;
  create: z.ZodObject<any>;
  update: z.ZodObject<any>;
  /** Columns that reference another table, checked before writing so errors name the field. */
  references?: Record<string, string>;
  /**
   * Denormalised columns copied from a referenced row (e.g. contacts.company_industry ←
   * companies.industry via company_id). A trigger keeps them right on every write; the batch insert
   * fills them in its own statement so the trigger's per-row lookup is skipped.
   */
  derived?: Record<string, { via: string; column: string }>;
  /** Single-column unique keys, checked within a batch and against stored rows. */
  unique?: string[];
  /** numeric columns compared as exact decimals ('9.975000' equals '9.975'). */
  decimal?: string[];
  /** jsonb columns (serialised explicitly: drivers differ). */
  json?: string[];
  /** Rules across fields of the merged record (e.g. an amount needs a currency). */
  rules?: (row: Record<string, any>) => FieldError[];
  /** Filterable/sortable fields and association criteria of the index endpoint (docs/filters.md). */
  index?: IndexSpec;
}

export const BATCH_LIMIT = 100;
