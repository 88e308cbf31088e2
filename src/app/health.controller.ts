import { stat } from 'node:fs/promises';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import { Access } from './auth/access';
import type { AppConfig } from './config';
import { isPglite } from './database';
import { CONFIG, KNEX } from './tokens';

@ApiTags('health')
@Controller('api/v1/health')
export class HealthController {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Access('public')
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const started = performance.now();
    let database: Record<string, unknown>;
    try {
      await this.db.raw('select 1');
      database = {
        status: 'up',
        engine: isPglite(this.db) ? 'pglite' : 'postgresql',
        latency_ms: +(performance.now() - started).toFixed(2),
      };
    } catch (err) {
      database = { status: 'down', error: (err as Error).message };
    }
    const warehouse = await stat(this.config.warehousePath).then(
      (s) => ({ status: 'up', path: this.config.warehousePath, bytes: s.size, modified_at: s.mtime }),
      () => ({ status: 'not_built', path: this.config.warehousePath }),
    );
    const ok = database.status === 'up';
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'degraded', database, warehouse };
  }
}
