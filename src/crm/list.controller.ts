import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, parseOrThrow } from '../app/crud/schema-kit';
import { LIST_SERVICE } from './list.tokens';
import type { ListService } from './list.service';

const parseId = (raw: string) => parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, 'id');
const listQuery = z.strictObject({ object: z.string().max(50).optional() });

@ApiTags('lists')
@ApiSecurity('apiKey')
@Controller('api/v1/lists')
export class ListController {
  constructor(@Inject(LIST_SERVICE) private readonly lists: ListService) {}

  @Get()
  @Access('read')
  async all(@Query() query: unknown) {
    return { results: await this.lists.list(parseOrThrow(listQuery, query).object) };
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string) {
    return this.lists.get(parseId(raw));
  }

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Create a static (ids) or dynamic (filter) list of contacts, companies or deals' })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.lists.create(actor, body);
  }

  @Patch(':id')
  @Access('write')
  update(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.lists.update(actor, parseId(raw), body);
  }

  @Delete(':id')
  @Access('write')
  @HttpCode(200)
  archive(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.lists.archive(actor, parseId(raw));
  }

  @Get(':id/members')
  @Access('read')
  @ApiOperation({
    summary: 'Members as records, with the index query parameters (filter, sort, fields, cursor, count)',
  })
  members(@Param('id') raw: string, @Query() query: Record<string, unknown>, @CurrentActor() actor: Actor) {
    return this.lists.members(parseId(raw), query ?? {}, actor);
  }

  @Post(':id/members')
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add records to a static list: {ids: [...]}' })
  add(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.lists.addMembers(actor, parseId(raw), body);
  }

  @Post(':id/members/remove')
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove records from a static list: {ids: [...]}' })
  remove(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.lists.removeMembers(actor, parseId(raw), body);
  }

  @Post(':id/refresh')
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Recompute a dynamic list now' })
  refresh(@Param('id') raw: string) {
    return this.lists.refresh(parseId(raw));
  }
}
