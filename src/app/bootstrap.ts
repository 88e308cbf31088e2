import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { migrateLatest } from '../../migrations';
import { mountApiDocs } from './api-docs';
import { AppModule } from './app.module';
import { ApiKeyService } from './auth/api-key.service';
import type { AppConfig } from './config';
import { createDb } from './database';
import { registerIdempotency } from './idempotency';
import { registerRawJson } from './raw-json';
import { requireJsonBodies } from './json-only';
import { createLogger, NestPinoLogger } from './logger';

export interface RouteEntry {
  method: string;
  url: string;
}

export interface Service {
  app: NestFastifyApplication;
  db: Knex;
  log: Logger;
  /** Every route Fastify registered: the source of truth for the role matrix. */
  routes: RouteEntry[];
  /** Set when this start generated the first admin key. */
  generatedAdminKey?: string;
}

export interface BuildOptions {
  db?: Knex;
  log?: Logger;
  schedule?: boolean;
}

/** Builds the whole service (database, migrations, HTTP) without listening. */
export async function buildService(config: AppConfig, opts: BuildOptions = {}): Promise<Service> {
  const log = opts.log ?? createLogger(config.logLevel);
  const db = opts.db ?? (await createDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir }));
  const applied = await migrateLatest(db);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');

  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, trustProxy: true });
  const routes: RouteEntry[] = [];
  adapter.getInstance().addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: r.url });
    }
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.with(config, db, log, opts.schedule ?? true),
    adapter,
    { logger: new NestPinoLogger(log.child({ component: 'nest' })), abortOnError: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  requireJsonBodies(fastify);
  registerRawJson(fastify);
  registerIdempotency(fastify, db);

  mountApiDocs(app);
  await app.init();
  // Plugins (the docs assets) register on ready: make the route table complete before use.
  await app.getHttpAdapter().getInstance().ready();

  const { generated } = await app.get(ApiKeyService).ensureAdminKey(config.adminKey);
  return { app, db, log, routes, generatedAdminKey: generated };
}
