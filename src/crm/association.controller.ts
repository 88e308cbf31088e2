import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { ASSOCIABLE, AssociationService } from './association.service';

const objectName = z.enum(Object.keys(ASSOCIABLE) as [string, ...string[]]);
const params = z.object({
  object: objectName,
  id: z.coerce.number().pipe(id),
  toObject: objectName,
  toId: z.coerce.number().pipe(id).optional(),
});
const labelBody = z
  .strictObject({ label: z.string().trim().max(100).default('') })
  .nullish()
  .transform((v) => v ?? { label: '' });

@ApiTags('associations')
@ApiSecurity('apiKey')
@Controller('api/v1/:object/:id/associations/:toObject')
export class AssociationController {
  constructor(private readonly associations: AssociationService) {}

  @Get()
  @Access('read')
  async list(@Param() raw: unknown) {
    const p = parseOrThrow(params, raw);
    return { results: await this.associations.list({ object: p.object, id: p.id }, p.toObject) };
  }

  @Put(':toId')
  @Access('write')
  @ApiBody({ schema: jsonSchema(z.strictObject({ label: z.string().max(100).optional() })), required: false })
  associate(@Param() raw: unknown, @Body() body: unknown, @CurrentActor() actor: Actor) {
    const p = parseOrThrow(params, raw);
    const { label } = parseOrThrow(labelBody, body);
    return this.associations.associate(
      actor,
      { object: p.object, id: p.id },
      { object: p.toObject, id: p.toId! },
      label,
    );
  }

  @Delete(':toId')
  @Access('write')
  @HttpCode(200)
  dissociate(@Param() raw: unknown, @Body() body: unknown, @CurrentActor() actor: Actor) {
    const p = parseOrThrow(params, raw);
    const { label } = parseOrThrow(labelBody, body);
    return this.associations.dissociate(
      actor,
      { object: p.object, id: p.id },
      { object: p.toObject, id: p.toId! },
      label,
    );
  }
}
