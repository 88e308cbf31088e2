import { adminKnex, templateName } from './pg';

export default async function globalTeardown() {
  const run = process.env.LL_TEST_RUN;
  if (!run) return;
  const admin = adminKnex();
  try {
    const { rows } = await admin.raw(`select datname from pg_database where datname like ?`, [
      `${templateName(run)}%`,
    ]);
    for (const { datname } of rows as { datname: string }[]) {
      await admin.raw(`drop database if exists "${datname}" with (force)`);
    }
  } finally {
    await admin.destroy();
  }
}
