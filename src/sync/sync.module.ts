import { Module } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AppConfig } from '../app/config';
import { CONFIG, KNEX, LOGGER } from '../app/tokens';
import { ConnectionDetailController } from './mapping.controller';
import { ConnectionController, SyncRunController } from './sync.controller';
import { SyncEngine } from './sync.engine';
import { SyncScheduler } from './sync.scheduler';
import { resolveSecretKey } from './secret-key.file';

/** Sync engine: connections, runs, dispatcher and workers (see src/sync/sync.engine.ts). */
@Module({
  controllers: [ConnectionController, ConnectionDetailController, SyncRunController],
  providers: [
    {
      provide: SyncEngine,
      inject: [KNEX, CONFIG, LOGGER],
      useFactory: (db: Knex, config: AppConfig, log: Logger) =>
        SyncEngine.create({
          db,
          secretKey: resolveSecretKey(config, log),
          log: log.child({ component: 'sync' }),
        }),
    },
    SyncScheduler,
  ],
  exports: [SyncEngine],
})
export class SyncModule {}
