import type { Knex } from 'knex';
import { startStripeEmulator, type StripeEmulator } from '../../../../sandbox/stripe';
import { SYSTEM_ACTOR } from '../../../../src/app/auth/access';
import { SyncEngine, type SyncEngineOptions } from '../../../../src/sync/sync.engine';
import { createTestDatabase, type TestDatabase } from '../../../support/db';

export const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** Settings that point the real SDK at the emulator with fast retries (tests lift rate limits). */
export function emulatorSettings(emu: StripeEmulator, extra: Record<string, unknown> = {}) {
  return {
    host: emu.host,
    port: emu.port,
    protocol: 'http',
    rate_limit_scale: 40,
    retry_base_ms: 5,
    retry_max_ms: 100,
    max_attempts: 12,
    timeout_ms: 3000,
    ...extra,
  };
}

export interface SyncFixture {
  db: Knex;
  testDb: TestDatabase;
  emu: StripeEmulator;
  engine: SyncEngine;
  connectionId: number;
  close(): Promise<void>;
}

export async function startSyncFixture(
  opts: {
    engine?: Partial<SyncEngineOptions>;
    settings?: Record<string, unknown>;
    rateLimitScale?: number;
  } = {},
): Promise<SyncFixture> {
  const emu = await startStripeEmulator({ rateLimitScale: opts.rateLimitScale ?? 40 });
  const testDb = await createTestDatabase();
  const engine = await SyncEngine.create({ db: testDb.db, secretKey: SECRET_KEY, ...opts.engine });
  const conn = await engine.connections.create(SYSTEM_ACTOR, {
    name: 'Stripe sandbox',
    vendor: 'stripe',
    credentials: { api_key: 'sk_test_ledgerline' },
    settings: emulatorSettings(emu, opts.settings),
  });
  return {
    db: testDb.db,
    testDb,
    emu,
    engine,
    connectionId: conn.id,
    async close() {
      await engine.close();
      await emu.close();
      await testDb.drop();
    },
  };
}

/** Inserts contacts directly (no outbox rows): full runs enumerate the table. */
export async function insertContacts(db: Knex, n: number, from = 0): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += 500) {
    const rows = Array.from({ length: Math.min(500, n - i) }, (_, k) => {
      const j = from + i + k;
      return {
        first_name: `Ada${j}`,
        last_name: `Lovelace${j}`,
        email: `ada${j}@example.com`,
        country: 'GB',
      };
    });
    const inserted: { id: number }[] = await db('contacts').insert(rows).returning('id');
    ids.push(...inserted.map((r) => Number(r.id)));
  }
  return ids;
}

/** Every customer the emulator holds (paged through the real SDK-compatible list API). */
export async function listCustomers(emu: StripeEmulator): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  let after: string | undefined;
  for (;;) {
    const url = `${emu.url}/v1/customers?limit=100${after ? `&starting_after=${after}` : ''}`;
    const res = await fetch(url, { headers: { authorization: 'Bearer sk_test_ledgerline' } });
    if (res.status === 429) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const page = (await res.json()) as { data: Record<string, any>[]; has_more: boolean };
    out.push(...page.data);
    if (!page.has_more) return out;
    after = page.data[page.data.length - 1].id;
  }
}

/**
 * Repeats `step` until `check` passes. Outbox rows are dispatched only once every older
 * transaction of the PostgreSQL cluster has finished, and the test server is shared with other
 * suites, so a change can legitimately wait a moment.
 */
export async function eventually<T>(
  step: () => Promise<unknown>,
  check: () => Promise<T>,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    await step();
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
