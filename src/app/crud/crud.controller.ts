import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Type,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access, Actor } from '../auth/access';
import { CurrentActor } from '../auth/actor.decorator';
import { Problem } from '../problem';
import { indexOf } from '../query/index-def';
import type { IndexQueryService } from '../query/index-query.service';
import { INDEX_QUERY } from '../query/view-source';
import { BATCH_LIMIT, ResourceDef } from './resource';
import { RecordService } from './record.service';
import { id, jsonSchema, parseOrThrow } from './schema-kit';

const parseId = (raw: string) => parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, 'id');

function parseIfMatch(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = raw.replace(/^W\//, '').replace(/"/g, '').trim();
  if (!/^\d{1,9}$/.test(v))
    throw Problem.validation([{ field: 'If-Match', message: 'must be a record version' }]);
  return Number(v);
}

/** Builds the REST controller of one resource; services are created from the shared database. */
export function crudController(def: ResourceDef, serviceToken: symbol): Type<unknown> {
  const createBody = jsonSchema(def.create);
  const updateBody = jsonSchema(def.update);

  @ApiTags(def.path)
  @ApiSecurity('apiKey')
  @Controller(`api/v1/${def.path}`)
  class ResourceController {
    constructor(
      @Inject(serviceToken) readonly records: RecordService,
      @Inject(INDEX_QUERY) readonly index: IndexQueryService,
    ) {}

    @Get()
    @Access('read')
    @ApiOperation({
      summary: `List ${def.path}`,
      description:
        'Filter with filter[field][operator]=value (docs/filters.md), sort=field or -field on indexed ' +
        'fields (ties broken by id), fields=a,b projection, opaque keyset cursor, count=true for a ' +
        'total, view=ID (or default) to apply a saved view.',
    })
    @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } })
    @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
    @ApiQuery({ name: 'sort', required: false, schema: { type: 'string' } })
    @ApiQuery({ name: 'fields', required: false, schema: { type: 'string' } })
    @ApiQuery({ name: 'count', required: false, schema: { type: 'boolean' } })
    @ApiQuery({ name: 'view', required: false, schema: { type: 'string' } })
    @ApiQuery({
      name: 'archived',
      required: false,
      schema: { type: 'string', enum: ['exclude', 'include', 'only'] },
    })
    async list(@Query() query: Record<string, unknown>, @CurrentActor() actor: Actor) {
      return this.index.listJson(indexOf(def), query ?? {}, actor);
    }

    @Get(':id')
    @Access('read')
    get(@Param('id') raw: string) {
      return this.records.get(parseId(raw));
    }

    @Post()
    @Access('write')
    @ApiOperation({ summary: `Create a ${def.object}` })
    @ApiBody({ schema: createBody })
    @ApiHeader({ name: 'Idempotency-Key', required: false })
    create(@Body() body: unknown, @CurrentActor() actor: Actor) {
      return this.records.create(actor, body);
    }

    @Patch(':id')
    @Access('write')
    @ApiBody({ schema: updateBody })
    @ApiHeader({ name: 'If-Match', required: false, description: 'expected record version' })
    async update(
      @Param('id') raw: string,
      @Body() body: unknown,
      @Headers('if-match') ifMatch: string | undefined,
      @CurrentActor() actor: Actor,
    ) {
      return (await this.records.update(actor, parseId(raw), body, parseIfMatch(ifMatch))).record;
    }

    @Delete(':id')
    @Access('write')
    @HttpCode(200)
    @ApiOperation({ summary: `Archive a ${def.object} (restorable)` })
    archive(@Param('id') raw: string, @CurrentActor() actor: Actor) {
      return this.records.setArchived(actor, parseId(raw), true);
    }

    @Post(':id/restore')
    @Access('write')
    @HttpCode(200)
    restore(@Param('id') raw: string, @CurrentActor() actor: Actor) {
      return this.records.setArchived(actor, parseId(raw), false);
    }

    @Post('batch/create')
    @Access('write')
    @ApiOperation({ summary: `Create up to ${BATCH_LIMIT} ${def.path} at once; all or nothing` })
    @ApiBody({
      schema: {
        type: 'object',
        properties: { inputs: { type: 'array', maxItems: BATCH_LIMIT, items: createBody } },
      },
    })
    async batchCreate(@Body() body: unknown, @CurrentActor() actor: Actor) {
      return this.records.batchCreateJson(actor, body);
    }

    @Post('batch/update')
    @Access('write')
    @HttpCode(200)
    @ApiOperation({ summary: `Update up to ${BATCH_LIMIT} ${def.path} at once; all or nothing` })
    async batchUpdate(@Body() body: unknown, @CurrentActor() actor: Actor) {
      return { results: await this.records.batchUpdate(actor, body) };
    }
  }
  Object.defineProperty(ResourceController, 'name', { value: `${def.object}Controller` });
  return ResourceController;
}
