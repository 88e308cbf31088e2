import type { SeedContext, SeedGenerator } from './generator';
import { bulkInsert } from './bulk.repository';
import { Rng } from './rng';

export const INDUSTRIES = [
  'software',
  'retail',
  'manufacturing',
  'healthcare',
  'finance',
  'education',
  'logistics',
  'media',
  'hospitality',
  'energy',
  'construction',
  'agriculture',
] as const;
const FIRST = [
  'Ada',
  'Louis',
  'Yui',
  'Maria',
  'Omar',
  'Lena',
  'Kofi',
  'Priya',
  'Jonas',
  'Chloé',
  'Mateo',
  'Aiko',
  'Sven',
  'Nadia',
  'Tariq',
  'Elena',
];
const LAST = [
  'Ng',
  'Tremblay',
  'Sato',
  'Garcia',
  'Haddad',
  'Schmidt',
  'Mensah',
  'Patel',
  'Berg',
  'Dubois',
  'Rossi',
  'Kim',
  'Nowak',
  'Silva',
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Ivanova',
  'Cohen',
  'Fischer',
];
const WORDS = [
  'Blue',
  'North',
  'Acme',
  'Kumo',
  'Harbor',
  'Summit',
  'Vertex',
  'Cedar',
  'Atlas',
  'Nova',
  'Pioneer',
  'Orbit',
  'Granite',
  'Lumen',
  'Delta',
  'Willow',
];
const SUFFIX = [
  'Systems',
  'Foods',
  'Robotics',
  'Labs',
  'Logistics',
  'Health',
  'Partners',
  'Works',
  'Group',
  'Studio',
];
const COUNTRIES = ['US', 'US', 'US', 'CA', 'GB', 'FR', 'DE', 'JP', 'AU', 'NL'];
const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
const LIFECYCLE = ['subscriber', 'lead', 'opportunity', 'customer'];
const CURRENCY: Record<string, string> = {
  US: 'USD',
  CA: 'CAD',
  GB: 'GBP',
  FR: 'EUR',
  DE: 'EUR',
  NL: 'EUR',
  JP: 'JPY',
  AU: 'AUD',
};

/** Sizes at scale 1; `--scale` multiplies them. */
export const CRM_SIZES = {
  demo: { companies: 40, contacts: 160, deals: 60 },
  bench: { companies: 100_000, contacts: 1_000_000, deals: 100_000 },
};

/** A timestamp `daysAgo` days before the anchor (midnight UTC today), at a deterministic time. */
function ago(anchor: number, rng: Rng, maxDays: number): string {
  return new Date(anchor - rng.int(0, maxDays * 86400) * 1000).toISOString();
}

/**
 * Companies, contacts and deals. Deterministic for a given seed and day (created_at is spread over
 * the two years before today so relative-date filters find data).
 */
export const crmGenerator: SeedGenerator = {
  name: 'crm',
  order: 10,
  async run(ctx: SeedContext) {
    const rng = new Rng(ctx.seed);
    const size = CRM_SIZES[ctx.profile];
    const n = (k: keyof typeof size) => Math.max(1, Math.round(size[k] * ctx.scale));
    const anchor = new Date(new Date().toISOString().slice(0, 10)).getTime();
    const capture = ctx.profile === 'demo';

    const companies = Array.from({ length: n('companies') }, (_, i) => {
      const country = rng.pick(COUNTRIES);
      const name = `${rng.pick(WORDS)} ${rng.pick(SUFFIX)} ${i + 1}`;
      const revenue = rng.chance(0.7);
      return {
        name,
        domain: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`,
        industry: rng.pick(INDUSTRIES),
        country,
        lifecycle_stage: rng.pick(LIFECYCLE),
        annual_revenue_minor: revenue ? rng.int(10, 50_000) * 100_000 : null,
        currency: revenue ? CURRENCY[country] : null,
        created_at: ago(anchor, rng, 730),
      };
    });
    const companyIds = await bulkInsert(
      ctx.db,
      'companies',
      companies,
      capture ? { capture: { object: 'company' } } : {},
    );
    ctx.log.info({ companies: companyIds.length }, 'seeded companies');

    const contacts = Array.from({ length: n('contacts') }, (_, i) => {
      const c = rng.int(0, companyIds.length - 1);
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      return {
        first_name: first,
        last_name: last,
        email: `${first}.${last}.${i + 1}@${companies[c].domain}`.toLowerCase(),
        country: companies[c].country,
        lifecycle_stage: rng.pick(LIFECYCLE),
        company_id: companyIds[c],
        created_at: ago(anchor, rng, 730),
      };
    });
    const contactIds = await bulkInsert(ctx.db, 'contacts', contacts, {
      chunk: 10_000,
      ...(capture ? { capture: { object: 'contact' } } : {}),
    });
    ctx.log.info({ contacts: contactIds.length }, 'seeded contacts');

    const deals = Array.from({ length: n('deals') }, () => {
      const c = rng.int(0, companyIds.length - 1);
      const currency = CURRENCY[companies[c].country];
      return {
        name: `${companies[c].name} — ${rng.pick(['Starter', 'Growth', 'Enterprise', 'Renewal'])}`,
        stage: rng.pick(STAGES),
        amount_minor: rng.int(5, 500) * (currency === 'JPY' ? 10_000 : 10_000),
        currency,
        close_date: new Date(anchor + rng.int(-180, 180) * 86400000).toISOString().slice(0, 10),
        company_id: companyIds[c],
        contact_id: contactIds[rng.int(0, contactIds.length - 1)],
        created_at: ago(anchor, rng, 365),
      };
    });
    const dealIds = await bulkInsert(ctx.db, 'deals', deals, capture ? { capture: { object: 'deal' } } : {});
    return { companies: companyIds.length, contacts: contactIds.length, deals: dealIds.length };
  },
};
