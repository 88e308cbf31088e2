import pino from 'pino';
import { crmGenerator } from '../../../src/seed/crm.generator';
import { parseSeedArgs } from '../../../src/seed/seed.cli';
import { createTestDatabase, TestDatabase } from '../../support/db';

describe('seed: CRM generator and CLI arguments', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  async function seeded(seed: number) {
    const t = await createTestDatabase();
    dbs.push(t);
    const counts = await crmGenerator.run({
      db: t.db,
      log: pino({ level: 'silent' }),
      profile: 'demo',
      scale: 0.5,
      seed,
    });
    const contacts = await t
      .db('contacts')
      .orderBy('id')
      .select('email', 'last_name', 'company_industry', 'created_at');
    return { counts, contacts, db: t.db };
  }

  it('writes the same data for the same seed, other data for another, with outbox rows', async () => {
    const a = await seeded(7);
    const b = await seeded(7);
    const c = await seeded(8);
    expect(a.counts).toEqual({ companies: 20, contacts: 80, deals: 30 });
    expect(b.contacts).toEqual(a.contacts);
    expect(c.contacts).not.toEqual(a.contacts);
    // The denormalised industry is filled on the bulk path too.
    expect(a.contacts.every((r: any) => typeof r.company_industry === 'string')).toBe(true);
    const outbox = await a
      .db('sync_outbox')
      .select('object')
      .count({ n: '*' })
      .groupBy('object')
      .orderBy('object');
    expect(outbox).toEqual([
      { object: 'company', n: 20 },
      { object: 'contact', n: 80 },
      { object: 'deal', n: 30 },
    ]);
  });

  it('parses --profile, --scale, --seed and refuses bad values', () => {
    expect(parseSeedArgs(['--profile', 'bench', '--scale=0.1', '--seed', '9'])).toEqual({
      profile: 'bench',
      scale: 0.1,
      seed: 9,
    });
    expect(() => parseSeedArgs(['--profile', 'huge'])).toThrow(/demo or bench/);
    expect(() => parseSeedArgs(['--scale', '-1'])).toThrow(/--scale/);
    expect(() => parseSeedArgs(['--only', 'nope'])).toThrow(/unknown generator/);
  });
});
