import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { id, jsonSchema, parseOrThrow, text } from '../crud/schema-kit';
import { Access, Actor, ROLES } from './access';
import { CurrentActor } from './actor.decorator';
import { ApiKeyService } from './api-key.service';

const createKey = z.strictObject({ name: text(200), role: z.enum(ROLES) });

@ApiTags('api-keys')
@ApiSecurity('apiKey')
@Controller('api/v1/api-keys')
export class ApiKeyController {
  constructor(private readonly keys: ApiKeyService) {}

  @Get()
  @Access('admin')
  async list() {
    return { results: await this.keys.list() };
  }

  /** The key itself is returned once, here; only its hash is stored. */
  @Post()
  @Access('admin')
  @ApiBody({ schema: jsonSchema(createKey) })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    const input = parseOrThrow(createKey, body);
    return this.keys.create(actor, input.name, input.role);
  }

  @Delete(':id')
  @Access('admin')
  @HttpCode(200)
  revoke(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.keys.revoke(actor, parseOrThrow(id, Number(raw), 'id'));
  }
}
