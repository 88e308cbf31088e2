import { createDb } from '../../src/app/database';
import { migrateLatest } from '../../migrations';
import { adminKnex, templateName, urlFor } from './pg';

/** One migrated template database per jest run; each test file clones it (fast, isolated). */
export default async function globalSetup() {
  const run = `${Date.now().toString(36)}_${process.pid}`;
  process.env.LL_TEST_RUN = run;
  const admin = adminKnex();
  try {
    await admin.raw(`create database ${templateName(run)}`);
  } finally {
    await admin.destroy();
  }
  const db = await createDb({ databaseUrl: urlFor(templateName(run)), poolMax: 1 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}
