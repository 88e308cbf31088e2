import type { Knex } from 'knex';

/**
 * Contacts take the most writes (batch create ≥ 30k records/s). Two per-row costs of every insert
 * are replaced by set-based equivalents that keep the same guarantees:
 *  - the row-level foreign key contacts.company_id → companies.id (an index probe plus a KEY SHARE
 *    row lock on the company, WAL-logged, a MultiXact when two batches name the same company) becomes
 *    one statement-level check over the statement's new rows, and a statement-level guard on
 *    companies that refuses to delete a company contacts still reference. Records are archived,
 *    never deleted, by every write path; the write paths also check references (existence and
 *    not archived) before writing. Unlike the foreign key, the checks take no lock on the company,
 *    so a company deleted by hand in the same instant as a contact is inserted for it could slip
 *    through — no application path deletes companies.
 *  - the company_industry trigger runs only when the writer did not fill the column: the batch
 *    insert copies companies.industry in its own statement (ResourceDef.derived); an update that
 *    changes company_id always recomputes it.
 * One statement per call: PGlite (the embedded default) refuses several in one prepared statement.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table contacts drop constraint contacts_company_id_foreign`);
  await knex.raw(`
    create function contacts_company_exists() returns trigger language plpgsql as $$
    declare missing bigint;
    begin
      select n.company_id into missing from new_rows n
       where n.company_id is not null
         and not exists (select 1 from companies c where c.id = n.company_id)
       limit 1;
      if missing is not null then
        raise exception 'insert or update on table "contacts" violates foreign key constraint "contacts_company_id_foreign"'
          using errcode = 'foreign_key_violation', constraint = 'contacts_company_id_foreign',
                detail = format('Key (company_id)=(%s) is not present in table "companies".', missing);
      end if;
      return null;
    end $$`);
  await knex.raw(`
    create trigger contacts_company_exists_ins after insert on contacts
      referencing new table as new_rows for each statement execute function contacts_company_exists()`);
  await knex.raw(`
    create trigger contacts_company_exists_upd after update on contacts
      referencing new table as new_rows for each statement execute function contacts_company_exists()`);
  await knex.raw(`
    create function companies_still_referenced() returns trigger language plpgsql as $$
    declare used bigint;
    begin
      select o.id into used from old_rows o
       where exists (select 1 from contacts c where c.company_id = o.id) limit 1;
      if used is not null then
        raise exception 'update or delete on table "companies" violates foreign key constraint "contacts_company_id_foreign" on table "contacts"'
          using errcode = 'foreign_key_violation', constraint = 'contacts_company_id_foreign',
                detail = format('Key (id)=(%s) is still referenced from table "contacts".', used);
      end if;
      return null;
    end $$`);
  await knex.raw(`
    create trigger companies_still_referenced after delete on companies
      referencing old table as old_rows for each statement execute function companies_still_referenced()`);

  await knex.raw(`drop trigger contacts_company_industry on contacts`);
  await knex.raw(`
    create trigger contacts_company_industry_ins before insert on contacts
      for each row when (new.company_id is not null and new.company_industry is null)
      execute function contacts_company_industry()`);
  await knex.raw(`
    create trigger contacts_company_industry_upd before update of company_id on contacts
      for each row when (old.company_id is distinct from new.company_id)
      execute function contacts_company_industry()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger if exists contacts_company_industry_upd on contacts`);
  await knex.raw(`drop trigger if exists contacts_company_industry_ins on contacts`);
  await knex.raw(`
    create trigger contacts_company_industry before insert or update of company_id on contacts
      for each row execute function contacts_company_industry()`);
  await knex.raw(`drop trigger if exists companies_still_referenced on companies`);
  await knex.raw(`drop trigger if exists contacts_company_exists_upd on contacts`);
  await knex.raw(`drop trigger if exists contacts_company_exists_ins on contacts`);
  await knex.raw(`drop function if exists companies_still_referenced()`);
  await knex.raw(`drop function if exists contacts_company_exists()`);
  await knex.raw(`
    alter table contacts add constraint contacts_company_id_foreign
      foreign key (company_id) references companies (id)`);
}
