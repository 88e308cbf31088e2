import { DynamicModule, Module } from '@nestjs/common';
import { ReportController } from './report.controller';
import { ReportService } from './report.service';
import { SqlSandboxService } from './sql-sandbox.service';
import { WarehouseController } from './warehouse.controller';
import { WarehouseRepository } from './warehouse.repository';
import { WAREHOUSE_SCHEDULE, WarehouseService } from './warehouse.service';

/** Warehouse loads (scheduled + on demand) and the reports API over the published DuckDB file. */
@Module({})
export class WarehouseModule {
  static with(schedule: boolean): DynamicModule {
    return {
      module: WarehouseModule,
      controllers: [WarehouseController, ReportController],
      providers: [
        { provide: WAREHOUSE_SCHEDULE, useValue: schedule },
        WarehouseRepository,
        WarehouseService,
        ReportService,
        SqlSandboxService,
      ],
      exports: [WarehouseService],
    };
  }
}
