import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR } from '../app/auth/access';
import { RecordService } from '../app/crud/record.service';
import { taxRateResource } from '../billing/tax-rate.resource';
import { companyResource } from '../crm/company.resource';
import { contactResource } from '../crm/contact.resource';
import { dealResource } from '../crm/deal.resource';
import { productResource } from '../crm/product.resource';

/** A small, fixed demo company so a newcomer sees data at once. Runs only on an empty database. */
export async function seedDemoIfEmpty(db: Knex, log: Logger): Promise<boolean> {
  const any = await db('companies').first('id');
  if (any) return false;
  const svc = (def: typeof companyResource) => new RecordService(db, def);
  const taxes = await svc(taxRateResource).batchCreate(SYSTEM_ACTOR, {
    inputs: [
      { name: 'No tax', code: 'NONE', rate: '0' },
      { name: 'California sales tax', code: 'US-CA', rate: '7.25', country: 'US', region: 'CA' },
      { name: 'Quebec QST', code: 'CA-QC-QST', rate: '9.975', country: 'CA', region: 'QC', compound: false },
    ],
  });
  const ca = taxes[1].record.id;
  await svc(productResource).batchCreate(SYSTEM_ACTOR, {
    inputs: [
      {
        name: 'Starter plan',
        sku: 'PLAN-STARTER-M',
        price_minor: 4900,
        currency: 'USD',
        frequency: 'monthly',
        tax_rate_id: ca,
        income_account_key: 'subscription_revenue',
      },
      {
        name: 'Growth plan',
        sku: 'PLAN-GROWTH-A',
        price_minor: 490000,
        currency: 'USD',
        frequency: 'annual',
        tax_rate_id: ca,
        income_account_key: 'subscription_revenue',
      },
      {
        name: 'Onboarding',
        sku: 'SVC-ONBOARD',
        price_minor: 150000,
        currency: 'USD',
        frequency: 'one_time',
        income_account_key: 'services_revenue',
      },
      {
        name: 'Tokyo support',
        sku: 'SVC-SUPPORT-JP',
        price_minor: 30000,
        currency: 'JPY',
        frequency: 'monthly',
        income_account_key: 'services_revenue',
      },
    ],
  });
  const companies = await svc(companyResource).batchCreate(SYSTEM_ACTOR, {
    inputs: [
      {
        name: 'Acme Robotics',
        domain: 'acme-robotics.example',
        industry: 'manufacturing',
        country: 'US',
        city: 'San Jose',
      },
      {
        name: 'Blue Harbor Foods',
        domain: 'blueharbor.example',
        industry: 'retail',
        country: 'CA',
        city: 'Montréal',
      },
      { name: 'Kumo Systems', domain: 'kumo.example', industry: 'software', country: 'JP', city: 'Tokyo' },
    ],
  });
  const [acme, harbor, kumo] = companies.map((c) => c.record.id);
  const contacts = await svc(contactResource).batchCreate(SYSTEM_ACTOR, {
    inputs: [
      {
        first_name: 'Ada',
        last_name: 'Ng',
        email: 'ada@acme-robotics.example',
        company_id: acme,
        country: 'US',
      },
      {
        first_name: 'Louis',
        last_name: 'Tremblay',
        email: 'louis@blueharbor.example',
        company_id: harbor,
        country: 'CA',
      },
      { first_name: 'Yui', last_name: 'Sato', email: 'yui@kumo.example', company_id: kumo, country: 'JP' },
    ],
  });
  await svc(dealResource).batchCreate(SYSTEM_ACTOR, {
    inputs: [
      {
        name: 'Acme — Growth annual',
        stage: 'closed_won',
        amount_minor: 490000,
        currency: 'USD',
        company_id: acme,
        contact_id: contacts[0].record.id,
        close_date: '2026-10-01',
      },
      {
        name: 'Blue Harbor — Starter',
        stage: 'proposal',
        amount_minor: 58800,
        currency: 'USD',
        company_id: harbor,
        contact_id: contacts[1].record.id,
      },
    ],
  });
  log.info('demo data seeded (LEDGERLINE_DEMO=false skips it)');
  return true;
}
