import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../app/database';
import { parseOrThrow } from '../app/crud/schema-kit';
import { KNEX } from '../app/tokens';

const prefix = z.string().regex(/^[A-Z0-9-]{1,12}$/, 'must be 1–12 upper-case letters, digits or dashes');

export const billingSettings = z.strictObject({
  /** QuickBooks rounds per line, Xero can round per document: choose to match the ledger. */
  rounding_mode: z.enum(['half_up', 'half_even']).default('half_up'),
  rounding_level: z.enum(['line', 'document']).default('line'),
  invoice_prefix: prefix.default('INV'),
  credit_note_prefix: prefix.default('CN'),
  receipt_prefix: prefix.default('RCPT'),
  /** A reminder goes out this many days before the due date (0 disables reminders). */
  reminder_days_before: z.number().int().min(0).max(60).default(3),
  organisation_name: z.string().trim().min(1).max(200).default('Ledgerline'),
});
export type BillingSettings = z.output<typeof billingSettings>;

const KEY = 'billing';

/** Billing settings live in the shared `settings` table under one key, validated on read and write. */
@Injectable()
export class BillingSettingsService {
  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async get(db: Db = this.db): Promise<BillingSettings> {
    const row = await db('settings').where({ key: KEY }).first();
    const parsed = billingSettings.safeParse(row?.value ?? {});
    return parsed.success ? parsed.data : billingSettings.parse({});
  }

  async update(patch: unknown): Promise<BillingSettings> {
    return this.db.transaction(async (trx) => {
      const current = await this.get(trx);
      const next = parseOrThrow(billingSettings, { ...current, ...(patch as object) });
      await trx('settings')
        .insert({ key: KEY, value: JSON.stringify(next), updated_at: trx.fn.now() })
        .onConflict('key')
        .merge();
      return next;
    });
  }
}
