import 'reflect-metadata';
import { ConfigError, loadConfig } from './app/config';
import { createDb } from './app/database';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  // Open the database (PGlite compiles its WASM off-thread) while the service's modules load.
  const opening = createDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
  opening.catch(() => undefined);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildService } = require('./app/bootstrap') as typeof import('./app/bootstrap');
  const { seedDemoIfEmpty } = require('./seed/demo.seed') as typeof import('./seed/demo.seed');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const service = await buildService(config, { db: await opening });
  const { app, log, db } = service;
  if (service.generatedAdminKey) {
    // Printed once: only its hash is stored.
    process.stdout.write(
      `\n  First start: an admin API key was created. It is shown only this once:\n\n    ${service.generatedAdminKey}\n\n`,
    );
  }
  if (config.demo) await seedDemoIfEmpty(db, log);
  await app.listen({ port: config.port, host: config.host });
  log.info(
    { port: config.port, host: config.host, storage: config.databaseUrl ? 'postgresql' : 'pglite' },
    'ledgerline listening',
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      // Name what is still open, so a hang can be traced from the log.
      log.error({ resources: process.getActiveResourcesInfo() }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    const t0 = Date.now();
    void app
      .close()
      .then(() => log.info({ ms: Date.now() - t0 }, 'http and modules closed'))
      .then(() => db.destroy())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`ledgerline failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
