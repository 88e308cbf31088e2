import { Global, Module } from '@nestjs/common';
import type { Knex } from 'knex';
import { systemClock } from '../clock';
import type { AppConfig } from '../config';
import { CONFIG, KNEX } from '../tokens';
import { IndexQueryService } from './index-query.service';
import { INDEX_QUERY, VIEW_SOURCE, ViewSource } from './view-source';

/**
 * Global so the generic CRUD controllers (any module) can inject INDEX_QUERY. The saved-view
 * module provides VIEW_SOURCE (global too); without it `view=` is refused with a 400.
 */
@Global()
@Module({
  providers: [
    {
      provide: INDEX_QUERY,
      inject: [KNEX, CONFIG, { token: VIEW_SOURCE, optional: true }],
      useFactory: (db: Knex, config: AppConfig, views?: ViewSource) =>
        new IndexQueryService(db, config.orgTimezone, systemClock, views),
    },
  ],
  exports: [INDEX_QUERY],
})
export class QueryModule {}
