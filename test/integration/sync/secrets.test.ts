import pino from 'pino';
import { buildService } from '../../../src/app/bootstrap';
import { loadConfig } from '../../../src/app/config';
import { SYSTEM_ACTOR } from '../../../src/app/auth/access';
import { SyncEngine } from '../../../src/sync/sync.engine';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { SECRET_KEY } from './support/sync-fixture';

const OTHER_KEY = Buffer.alloc(32, 9).toString('hex');

describe('start-up with encrypted connection secrets', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    const engine = await SyncEngine.create({ db: testDb.db, secretKey: SECRET_KEY });
    await engine.connections.create(SYSTEM_ACTOR, {
      name: 'Stripe',
      vendor: 'stripe',
      credentials: { api_key: 'sk_test_abc' },
    });
  });
  afterAll(() => testDb.drop());

  const start = (key?: string) =>
    buildService(
      loadConfig({
        LOG_LEVEL: 'silent',
        LEDGERLINE_DEMO: 'false',
        DATABASE_URL: testDb.url,
        ...(key ? { LEDGERLINE_SECRET_KEY: key } : {}),
      }),
      { db: testDb.db, log: pino({ level: 'silent' }), schedule: false },
    );

  it('refuses to start without the key, with a message naming LEDGERLINE_SECRET_KEY', async () => {
    await expect(start()).rejects.toThrow(/encrypted credentials but LEDGERLINE_SECRET_KEY is not set/);
  });

  it('refuses to start with another key, and with a key that is not 32 bytes', async () => {
    await expect(start(OTHER_KEY)).rejects.toThrow(
      /LEDGERLINE_SECRET_KEY is not the key the stored connection secrets were encrypted with/,
    );
    await expect(start('too-short')).rejects.toThrow(/must be 32 bytes as base64 or hex/);
  });

  it('starts with the right key and a tampered secret is named as such', async () => {
    const svc = await start(SECRET_KEY);
    await svc.app.close();
    const row = await testDb.db('connections').first();
    const parts = row.credentials_enc.split(':');
    const ct = Buffer.from(parts[4], 'base64');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64');
    await testDb.db('connections').update({ credentials_enc: parts.join(':') });
    await expect(SyncEngine.create({ db: testDb.db, secretKey: SECRET_KEY })).rejects.toThrow(
      /failed authentication/,
    );
  });
});
