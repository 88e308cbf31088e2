import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createDb } from '../../src/app/database';
import { adminKnex, templateName, urlFor } from './pg';

export interface TestDatabase {
  url: string;
  db: Knex;
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database cloned from this run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const run = process.env.LL_TEST_RUN;
  if (!run) throw new Error('LL_TEST_RUN is not set: run tests through jest (globalSetup)');
  const name = `${templateName(run)}_${randomBytes(4).toString('hex')}`;
  const admin = adminKnex();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.raw(`create database ${name} template ${templateName(run)}`);
        break;
      } catch (err) {
        // Two clones of one template at the same instant: PostgreSQL asks us to retry.
        if (attempt > 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.destroy();
  }
  const url = urlFor(name);
  const db = await createDb({ databaseUrl: url, poolMax: 10 });
  return {
    url,
    db,
    drop: async () => {
      await db.destroy();
      const a = adminKnex();
      try {
        await a.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await a.destroy();
      }
    },
  };
}
