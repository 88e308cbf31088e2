import type { Knex } from 'knex';
import * as m0001 from './0001_foundation';
import * as m0006 from './0006_billing';
import * as m0005 from './0005_sync';
import * as m0003 from './0003_query';
import * as m0004 from './0004_warehouse';
import * as m0007 from './0007_payments';
import * as m0008 from './0008_warehouse_payments';
import * as m0009 from './0009_contacts_write_path';
import * as m0010 from './0010_invoice_index';
import * as m0011 from './0011_contacts_email_index';
import * as m0012 from './0012_audit_log_json';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Listed explicitly so the same set runs from TypeScript (tests) and compiled JS (service). */
const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0006_billing': m0006,
  '0005_sync': m0005,
  '0003_query': m0003,
  '0004_warehouse': m0004,
  '0007_payments': m0007,
  '0008_warehouse_payments': m0008,
  '0009_contacts_write_path': m0009,
  '0010_invoice_index': m0010,
  '0011_contacts_email_index': m0011,
  '0012_audit_log_json': m0012,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, log] = await knex.migrate.latest({ migrationSource });
  return log as string[];
}
