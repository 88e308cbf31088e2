import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import pino from 'pino';
import { GRANTS, Role, ROLES } from '../../src/app/auth/access';
import { ApiKeyService } from '../../src/app/auth/api-key.service';
import { buildService, Service } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/app/config';
import { createDb } from '../../src/app/database';
import { createTestDatabase } from './db';

export const ADMIN_KEY = 'll_test_admin_key_0123456789abcdef';

export interface TestService extends Service {
  keys: Record<Role, string>;
  request(
    method: string,
    url: string,
    opts?: { body?: unknown; role?: Role | null; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any; headers: Record<string, any> }>;
  close(): Promise<void>;
}

/**
 * The whole service in-process on a fresh database: real PostgreSQL by default, embedded PGlite
 * (in memory) with `engine: 'pglite'`. Requests go through Fastify's inject (no socket).
 */
export async function startTestService(
  opts: { engine?: 'pg' | 'pglite'; env?: Record<string, string> } = {},
) {
  const testDb = opts.engine === 'pglite' ? undefined : await createTestDatabase();
  const db: Knex = testDb?.db ?? (await createDb({ pgliteDir: 'memory://' }));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    LEDGERLINE_ADMIN_KEY: ADMIN_KEY,
    LEDGERLINE_DEMO: 'false',
    // Each service its own data directory: warehouse files and dashboard builds never collide.
    DATA_DIR: mkdtempSync(join(tmpdir(), 'ledgerline-test-')),
    ...(testDb ? { DATABASE_URL: testDb.url } : {}),
    ...opts.env,
  });
  let service: Service;
  try {
    service = await buildService(config, { db, log: pino({ level: 'silent' }), schedule: false });
  } catch (err) {
    // Leave nothing open behind a failed start, or jest hangs on the handle.
    if (testDb) await testDb.drop();
    else await db.destroy();
    throw err;
  }
  const keySvc = service.app.get(ApiKeyService);
  const keys = { admin: ADMIN_KEY } as Record<Role, string>;
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    keys[role] = (
      await keySvc.create({ keyId: null, role: 'system', name: 'test' }, `test ${role}`, role)
    ).key;
  }
  const fastify = service.app.getHttpAdapter().getInstance();
  const ts: TestService = {
    ...service,
    keys,
    async request(method, url, o = {}) {
      const role = o.role === undefined ? 'admin' : o.role;
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (role) headers.authorization = `Bearer ${keys[role]}`;
      let payload: string | undefined = o.raw;
      if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fastify.inject({ method: method, url, headers, payload });
      let body: any = res.body;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.statusCode, body, headers: res.headers };
    },
    async close() {
      await service.app.close();
      if (testDb) await testDb.drop();
      else await db.destroy();
    },
  };
  return ts;
}

export { GRANTS };
