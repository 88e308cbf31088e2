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
import { z } from 'zod';
import { Access, Actor } from '../auth/access';
import { CurrentActor } from '../auth/actor.decorator';
import { Problem } from '../problem';
import { BATCH_LIMIT, ResourceDef } from './resource';
import { RecordService } from './record.service';
import { id, jsonSchema, parseOrThrow } from './schema-kit';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  archived: z.enum(['exclude', 'include', 'only']).default('exclude'),
});

export function encodeCursor(afterId: number): string {
  return Buffer.from(JSON.stringify({ a: afterId })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(v?.a) && v.a > 0) return v.a;
  } catch {
    // fall through to the problem below
  }
  throw Problem.validation([{ field: 'cursor', message: 'is not a cursor this API issued' }]);
}

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
    constructor(@Inject(serviceToken) readonly records: RecordService) {}

    @Get()
    @Access('read')
    @ApiOperation({ summary: `List ${def.path}` })
    @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } })
    @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
    @ApiQuery({
      name: 'archived',
      required: false,
      schema: { type: 'string', enum: ['exclude', 'include', 'only'] },
    })
    async list(@Query() query: unknown) {
      const q = parseOrThrow(listQuery, query);
      const page = await this.records.list(q.limit, decodeCursor(q.cursor), q.archived);
      return { results: page.results, paging: page.next ? { next: encodeCursor(page.next) } : {} };
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
      return { results: await this.records.batchCreate(actor, body) };
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
