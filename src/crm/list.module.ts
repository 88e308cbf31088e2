import { Module } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { IndexQueryService } from '../app/query/index-query.service';
import { INDEX_QUERY } from '../app/query/view-source';
import { KNEX, LOGGER } from '../app/tokens';
import { ListController } from './list.controller';
import { ListRefresher } from './list.refresher';
import { ListService } from './list.service';
import { LIST_SERVICE } from './list.tokens';

@Module({
  controllers: [ListController],
  providers: [
    {
      provide: LIST_SERVICE,
      inject: [KNEX, INDEX_QUERY, LOGGER],
      useFactory: (db: Knex, index: IndexQueryService, log: Logger) => new ListService(db, index, log),
    },
    ListRefresher,
  ],
  exports: [LIST_SERVICE],
})
export class ListModule {}
