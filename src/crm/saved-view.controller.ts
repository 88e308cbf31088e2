import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, parseOrThrow } from '../app/crud/schema-kit';
import { VIEW_SOURCE } from '../app/query/view-source';
import { SavedViewService } from './saved-view.service';

const parseId = (raw: string) => parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, 'id');
const listQuery = z.strictObject({ object: z.string().max(50).optional() });

/**
 * Saved views are personal settings of an API key, so any role that can read may keep its own
 * (access level `read`); they never change canonical records.
 */
@ApiTags('saved-views')
@ApiSecurity('apiKey')
@Controller('api/v1/saved-views')
export class SavedViewController {
  constructor(@Inject(VIEW_SOURCE) private readonly views: SavedViewService) {}

  @Get()
  @Access('read')
  @ApiOperation({ summary: 'Saved views visible to this API key (own and shared)' })
  async list(@Query() query: unknown, @CurrentActor() actor: Actor) {
    const q = parseOrThrow(listQuery, query);
    return { results: await this.views.list(actor, q.object) };
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.views.get(actor, parseId(raw));
  }

  @Post()
  @Access('read')
  @ApiOperation({ summary: 'Save a view: object, name, filter, sort, columns, shared, is_default' })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.views.create(actor, body);
  }

  @Patch(':id')
  @Access('read')
  update(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.views.update(actor, parseId(raw), body);
  }

  @Delete(':id')
  @Access('read')
  @HttpCode(200)
  archive(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.views.archive(actor, parseId(raw));
  }
}
