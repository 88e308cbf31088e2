import type { Knex } from 'knex';

/**
 * audit_log.before/after become json (text kept as written) instead of jsonb. The trail is written
 * on every change and read whole, by record: nothing queries inside it, so jsonb's binary form
 * (built, key-sorted and de-duplicated on every insert) bought nothing. Writers may now store the
 * JSON text they already have (the batch create stores each row's response JSON, as the
 * transactional path stores the row's JSON.stringify); jsonb values still convert on assignment.
 * Readers get the same objects back from pg and PGlite.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table audit_log
      alter column before type json using before::json,
      alter column after type json using after::json`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table audit_log
      alter column before type jsonb using before::jsonb,
      alter column after type jsonb using after::jsonb`);
}
