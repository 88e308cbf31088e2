import { Global, Module } from '@nestjs/common';
import type { Knex } from 'knex';
import { VIEW_SOURCE } from '../app/query/view-source';
import { KNEX } from '../app/tokens';
import { SavedViewController } from './saved-view.controller';
import { SavedViewService } from './saved-view.service';

/** Global so the query module's index endpoint can resolve `view=` through VIEW_SOURCE. */
@Global()
@Module({
  controllers: [SavedViewController],
  providers: [{ provide: VIEW_SOURCE, inject: [KNEX], useFactory: (db: Knex) => new SavedViewService(db) }],
  exports: [VIEW_SOURCE],
})
export class SavedViewModule {}
