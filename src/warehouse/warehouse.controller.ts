import { join } from 'node:path';
import { Body, Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiBody, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Access } from '../app/auth/access';
import type { AppConfig } from '../app/config';
import { jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { CONFIG } from '../app/tokens';
import { exportMarts } from '../../warehouse/export';
import { settingsSchema } from '../../warehouse/settings';
import { ReportService } from './report.service';
import { WarehouseService } from './warehouse.service';

const refreshBody = z
  .strictObject({ kind: z.enum(['full', 'incremental']).default('incremental') })
  .nullish()
  .transform((v) => v ?? { kind: 'incremental' as const });

const exportBody = z
  .strictObject({
    marts: z
      .array(z.string().regex(/^mart_[a-z0-9_]+$/, 'must name a mart (mart_…)'))
      .max(50)
      .optional(),
  })
  .nullish()
  .transform((v) => v ?? {});

@ApiTags('warehouse')
@ApiSecurity('apiKey')
@Controller('api/v1/warehouse')
export class WarehouseController {
  constructor(
    private readonly warehouse: WarehouseService,
    private readonly reports: ReportService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** Starts a load in the background (202); GET status follows its progress. */
  @Post('refresh')
  @Access('write')
  @HttpCode(202)
  @ApiBody({
    schema: jsonSchema(z.strictObject({ kind: z.enum(['full', 'incremental']).optional() })),
    required: false,
  })
  async refresh(@Body() body: unknown) {
    const { kind } = parseOrThrow(refreshBody, body);
    const run = await this.warehouse.trigger(kind, 'api');
    return { run_id: run.id, kind: run.kind, status: 'running' };
  }

  /** Metric settings (METRICS.md); changes apply from the next load. */
  @Get('settings')
  @Access('report')
  settings() {
    return this.warehouse.settings();
  }

  @Put('settings')
  @Access('admin')
  @ApiBody({ schema: jsonSchema(settingsSchema.partial()) })
  async updateSettings(@Body() body: unknown) {
    const given = body && typeof body === 'object' ? Object.keys(body) : [];
    const parsed = parseOrThrow(settingsSchema.partial(), body ?? {});
    // Only the keys sent change: defaults filled in by the schema must not overwrite stored values.
    const patch = Object.fromEntries(Object.entries(parsed).filter(([k]) => given.includes(k)));
    return this.warehouse.updateSettings(patch);
  }

  @Get('status')
  @Access('report')
  status() {
    return this.warehouse.status();
  }

  /** Parquet copy of the marts, partitioned by month, under DATA_DIR/warehouse-export. */
  @Post('export')
  @Access('write')
  @ApiBody({ schema: jsonSchema(z.strictObject({ marts: z.array(z.string()).optional() })), required: false })
  async export(@Body() body: unknown) {
    const { marts } = parseOrThrow(exportBody, body);
    const dir = join(this.config.dataDir, 'warehouse-export');
    const written = await this.reports.reader.withConnection((conn) => exportMarts(conn, dir, marts));
    return { directory: dir, marts: written };
  }
}
