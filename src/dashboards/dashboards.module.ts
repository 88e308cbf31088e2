import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../app/config';
import { CONFIG } from '../app/tokens';
import { DASHBOARDS_CONFIG, DASHBOARDS_SCHEDULE, DashboardsBuilder } from './dashboards.builder';
import { loadDashboardsConfig } from './dashboards.config';
import { DashboardsApiController, DashboardsSiteController } from './dashboards.controller';

/**
 * Serves the Evidence dashboards (reports/) at /dashboards and rebuilds them in the background
 * when the warehouse changed (only when `schedule` is on, like the warehouse loads).
 */
@Module({})
export class DashboardsModule {
  static with(schedule: boolean): DynamicModule {
    return {
      module: DashboardsModule,
      controllers: [DashboardsSiteController, DashboardsApiController],
      providers: [
        { provide: DASHBOARDS_SCHEDULE, useValue: schedule },
        {
          provide: DASHBOARDS_CONFIG,
          inject: [CONFIG],
          useFactory: (app: AppConfig) => loadDashboardsConfig(app),
        },
        DashboardsBuilder,
      ],
      exports: [DashboardsBuilder],
    };
  }
}
