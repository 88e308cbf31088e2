import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Access, type Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { mappingSchemas } from './mapping.service';
import { SyncEngine } from './sync.engine';

const parseId = (raw: string) => parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, 'id');

/** Field mappings per connection and object, and what is failing to sync. */
@ApiTags('connections')
@ApiSecurity('apiKey')
@Controller('api/v1/connections/:id')
export class ConnectionDetailController {
  constructor(@Inject(SyncEngine) private readonly engine: SyncEngine) {}

  @Get('mappings')
  @Access('read')
  @ApiOperation({ summary: 'Effective outbound mappings (override or default) per object' })
  mappings(@Param('id') raw: string) {
    return this.engine.mappings.list(parseId(raw));
  }

  @Put('mappings/:object')
  @Access('admin')
  @ApiOperation({ summary: 'Save a new version of the outbound mapping of one object' })
  @ApiBody({ schema: jsonSchema(mappingSchemas.putBody) })
  putMapping(
    @Param('id') raw: string,
    @Param('object') object: string,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
  ) {
    return this.engine.mappings.put(actor, parseId(raw), object, body);
  }

  @Get('errors')
  @Access('read')
  @ApiOperation({ summary: 'Open sync errors of this connection (one per failing record)' })
  async errors(@Param('id') raw: string) {
    return { results: await this.engine.errors(parseId(raw)) };
  }
}
