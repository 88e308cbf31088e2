import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Access, type Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { connectionSchemas } from './connection.service';
import { SyncEngine } from './sync.engine';

const runBody = z.strictObject({
  connection_id: id,
  object: z.string().min(1).max(50).optional(),
  plan: z.boolean().default(false),
});
const runList = z.strictObject({
  connection_id: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const parseId = (raw: string) => parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, 'id');

/** Connections (credentials write-only) and sync runs. Controllers only translate HTTP. */
@ApiTags('connections')
@ApiSecurity('apiKey')
@Controller('api/v1/connections')
export class ConnectionController {
  constructor(@Inject(SyncEngine) private readonly engine: SyncEngine) {}

  @Get()
  @Access('read')
  async list() {
    return { results: await this.engine.connections.list() };
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string) {
    return this.engine.connections.get(parseId(raw));
  }

  @Post()
  @Access('admin')
  @ApiOperation({ summary: 'Create a connection; credentials are encrypted at rest and never returned' })
  @ApiBody({ schema: jsonSchema(connectionSchemas.createBody) })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.engine.connections.create(actor, body);
  }

  @Patch(':id')
  @Access('admin')
  @ApiBody({ schema: jsonSchema(connectionSchemas.updateBody) })
  update(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.engine.connections.update(actor, parseId(raw), body);
  }

  @Delete(':id')
  @Access('admin')
  @HttpCode(200)
  archive(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.engine.connections.archive(actor, parseId(raw));
  }
}

@ApiTags('sync')
@ApiSecurity('apiKey')
@Controller('api/v1/sync/runs')
export class SyncRunController {
  constructor(@Inject(SyncEngine) private readonly engine: SyncEngine) {}

  /** Starts a full push run (202, processed by workers) or a plan (201, computed now, writes nothing). */
  @Post()
  @Access('write')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a sync run, or a plan (dry run) with plan: true' })
  @ApiBody({ schema: jsonSchema(runBody) })
  start(@Body() body: unknown) {
    const input = parseOrThrow(runBody, body);
    return this.engine.runs.start({
      connectionId: input.connection_id,
      object: input.object,
      plan: input.plan,
      trigger: 'api',
    });
  }

  @Get()
  @Access('read')
  async list(@Query() query: unknown) {
    const q = parseOrThrow(runList, query);
    return { results: await this.engine.runs.list(q.connection_id, q.limit) };
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string) {
    return this.engine.runs.get(parseId(raw));
  }
}
