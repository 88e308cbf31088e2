import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Access } from '../app/auth/access';
import { jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { toArrow, toCsv } from './report.format';
import { ReportService } from './report.service';
import { SQL_LIMITS, SqlSandboxService } from './sql-sandbox.service';

const sqlBody = z.strictObject({
  sql: z.string().trim().min(1).max(100_000),
  max_rows: z.number().int().min(1).max(SQL_LIMITS.maxRows).default(SQL_LIMITS.defaultRows),
  timeout_ms: z.number().int().min(10).max(SQL_LIMITS.maxTimeoutMs).default(SQL_LIMITS.defaultTimeoutMs),
});

@ApiTags('reports')
@ApiSecurity('apiKey')
@Controller('api/v1/reports')
export class ReportController {
  constructor(
    private readonly reports: ReportService,
    private readonly sandbox: SqlSandboxService,
  ) {}

  @Get()
  @Access('report')
  list() {
    return { results: this.reports.catalog() };
  }

  /** Read-only analyst SQL over the warehouse: one SELECT, row and time limits. */
  @Post('sql')
  @Access('report')
  @HttpCode(200)
  @ApiBody({ schema: jsonSchema(sqlBody) })
  async sql(@Body() body: unknown) {
    const b = parseOrThrow(sqlBody, body ?? {});
    return this.sandbox.run(b.sql, b.max_rows, b.timeout_ms);
  }

  @Get(':name')
  @Access('report')
  async report(
    @Param('name') name: string,
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const out = await this.reports.run(name, query);
    const file = `${out.meta.report as string}`;
    switch (out.format) {
      case 'csv':
        void reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file}.csv"`);
        return toCsv(out.result);
      case 'arrow':
        void reply.header('content-type', 'application/vnd.apache.arrow.stream');
        return Buffer.from(toArrow(out.result));
      case 'parquet':
        void reply
          .header('content-type', 'application/vnd.apache.parquet')
          .header('content-disposition', `attachment; filename="${file}.parquet"`);
        return out.parquet;
      default:
        return { ...out.meta, columns: out.result.columns, rows: out.result.rows };
    }
  }
}
