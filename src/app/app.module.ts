import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { BillingModule } from '../billing/billing.module';
import { CrmModule } from '../crm/crm.module';
import { SyncModule } from '../sync/sync.module';
import { PaymentsModule } from '../payments/payments.module';
import { WarehouseModule } from '../warehouse/warehouse.module';
import { DashboardsModule } from '../dashboards/dashboards.module';
import { QueryModule } from './query/query.module';
import { ListModule } from '../crm/list.module';
import { SavedViewModule } from '../crm/saved-view.module';
import { ApiKeyController } from './auth/api-key.controller';
import { ApiKeyService } from './auth/api-key.service';
import { AuthGuard } from './auth/auth.guard';
import type { AppConfig } from './config';
import { HealthController } from './health.controller';
import { HousekeepingService } from './housekeeping.service';
import { ProblemFilter } from './problem.filter';
import { CONFIG, KNEX, LOGGER } from './tokens';

@Global()
@Module({})
class CoreModule {
  static with(config: AppConfig, db: Knex, log: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: KNEX, useValue: db },
        { provide: LOGGER, useValue: log },
        ApiKeyService,
      ],
      exports: [CONFIG, KNEX, LOGGER, ApiKeyService],
    };
  }
}

@Module({})
export class AppModule {
  static with(config: AppConfig, db: Knex, log: Logger, schedule = true): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.with(config, db, log),
        ...(schedule ? [ScheduleModule.forRoot()] : []),
        CrmModule,
        BillingModule,
        QueryModule,
        SavedViewModule,
        ListModule,
        SyncModule,
        PaymentsModule,
        WarehouseModule.with(schedule),
        DashboardsModule.with(schedule),
      ],
      controllers: [HealthController, ApiKeyController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useFactory: () => new ProblemFilter(log) },
        HousekeepingService,
      ],
    };
  }
}
