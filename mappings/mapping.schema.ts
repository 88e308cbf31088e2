import { z } from 'zod';
import { TRANSFORM_NAMES } from './transforms';

/**
 * Schema of a mapping file (and of a per-connection override stored in `mappings.rules`).
 * A mapping is data: which canonical fields feed which vendor fields, through which named
 * transform, with the checks a plan reports as validation failures.
 */
export const fieldRule = z.strictObject({
  /** Dotted vendor path, e.g. `address.country` or `metadata.ledgerline_id`. */
  to: z.string().regex(/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i, 'must be a dotted field path'),
  /** Canonical column(s); omitted for constants. `$id` is the local id. */
  from: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  transform: z.enum(TRANSFORM_NAMES).default('copy'),
  args: z.record(z.string(), z.unknown()).default({}),
  required: z.boolean().default(false),
  maxLength: z.number().int().positive().optional(),
  pattern: z.string().optional(),
  /** Who owns the field when both sides changed it (DESIGN.md "Ownership and conflicts"). */
  owner: z.enum(['hub', 'vendor', 'latest']).default('hub'),
});

export const mappingSchema = z.strictObject({
  vendor: z.string().min(1),
  /** Canonical object, e.g. `contact`. */
  object: z.string().min(1),
  /** Vendor object, e.g. `customer`. */
  target: z.string().min(1),
  direction: z.enum(['outbound', 'inbound']),
  version: z.number().int().positive(),
  fields: z.array(fieldRule).min(1),
});

export type FieldRule = z.output<typeof fieldRule>;
export type Mapping = z.output<typeof mappingSchema>;
export type MappingInput = z.input<typeof mappingSchema>;
