import { z } from 'zod';
import { isCurrency } from '../../billing/currency';
import { Problem, zodFieldErrors } from '../problem';

/** Shared field shapes so every resource validates money, ids and text the same way. */
export const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const storable = (s: string) => !s.includes('\u0000');
export const text = (max = 500) =>
  z.string().trim().min(1).max(max).refine(storable, 'must not contain NUL characters');
export const optionalText = (max = 500) =>
  z.string().trim().max(max).refine(storable, 'must not contain NUL characters').nullable().optional();
export const minorUnits = z
  .number()
  .int('must be an integer amount in minor units (e.g. cents)')
  .min(-1e15)
  .max(1e15);
export const currency = z
  .string()
  .refine(
    (c) => /^[A-Z]{3}$/.test(c) && isCurrency(c),
    'must be an ISO 4217 currency code in upper case, e.g. USD',
  );
export const isoDate = z.iso.date('must be a date YYYY-MM-DD');
export const properties = z
  .record(
    z.string().max(100).refine(storable, 'must not contain NUL characters'),
    z.union([
      z.string().max(2000).refine(storable, 'must not contain NUL characters'),
      z.number(),
      z.boolean(),
      z.null(),
    ]),
  )
  .refine((r) => Object.keys(r).length <= 200, 'at most 200 properties');

export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const res = schema.safeParse(input);
  if (!res.success) throw Problem.validation(zodFieldErrors(res.error, prefix));
  return res.data;
}

export function jsonSchema(schema: z.ZodType): Record<string, any> {
  const s = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    any
  >;
  delete s.$schema;
  return s;
}
