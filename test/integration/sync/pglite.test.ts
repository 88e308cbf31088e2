import type { Knex } from 'knex';
import * as foundation from '../../../migrations/0001_foundation';
import * as sync from '../../../migrations/0005_sync';
import { startStripeEmulator, type StripeEmulator } from '../../../sandbox/stripe';
import { SYSTEM_ACTOR } from '../../../src/app/auth/access';
import { RecordService } from '../../../src/app/crud/record.service';
import { createDb } from '../../../src/app/database';
import { companyResource } from '../../../src/crm/company.resource';
import { contactResource } from '../../../src/crm/contact.resource';
import { SyncEngine } from '../../../src/sync/sync.engine';
import { emulatorSettings, listCustomers, SECRET_KEY } from './support/sync-fixture';

/**
 * Smoke run of the push path on embedded PGlite (one connection). Only the migrations the sync
 * engine needs are applied, so this runs whatever state the other modules' migrations are in.
 */
describe('sync push path on embedded PGlite (smoke)', () => {
  let db: Knex;
  let emu: StripeEmulator;
  let engine: SyncEngine;
  beforeAll(async () => {
    emu = await startStripeEmulator({ rateLimitScale: 40 });
    db = await createDb({ pgliteDir: 'memory://' });
    await foundation.up(db);
    await sync.up(db);
    engine = await SyncEngine.create({ db, secretKey: SECRET_KEY });
  });
  afterAll(async () => {
    await engine.close();
    await db.destroy();
    await emu.close();
  });

  it('pushes contacts and a company through the outbox and a run, then re-syncs without writes', async () => {
    const conn = await engine.connections.create(SYSTEM_ACTOR, {
      name: 'Stripe',
      vendor: 'stripe',
      credentials: { api_key: 'sk_test_pglite' },
      settings: emulatorSettings(emu),
    });
    const contacts = new RecordService(db, contactResource);
    await contacts.batchCreate(SYSTEM_ACTOR, {
      inputs: [{ email: 'one@example.com' }, { first_name: 'Two', email: 'two@example.com' }],
    });
    await new RecordService(db, companyResource).create(SYSTEM_ACTOR, {
      name: 'Acme',
      country: 'FR',
      city: 'Lyon',
    });

    // The outbox path: with one connection the snapshot horizon is simply "everything committed".
    await engine.round();
    let customers = await listCustomers(emu);
    expect(customers).toHaveLength(3);
    expect(customers.find((c) => c.metadata.ledgerline_object === 'company')).toMatchObject({
      name: 'Acme',
      address: expect.objectContaining({ country: 'FR', city: 'Lyon' }),
    });
    expect(await db('external_links').where({ state: 'linked' })).toHaveLength(3);

    emu.control.resetCounters();
    const run = await engine.runs.start({ connectionId: conn.id, trigger: 'api' });
    await engine.round();
    expect(await engine.runs.get(run.id)).toMatchObject({
      status: 'succeeded',
      total: 3,
      unchanged: 3,
      created: 0,
    });
    expect(emu.control.counters().writeCalls).toBe(0);
    customers = await listCustomers(emu);
    expect(customers).toHaveLength(3);
  });
});
