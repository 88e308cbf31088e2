import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { BillingPreviewService } from './billing-preview.service';
import { parseId } from './invoice.controller';
import { TemplateService } from './template.service';
import { createTemplate, TEMPLATE_KINDS, updateTemplate } from './template.types';

const previewBody = z
  .strictObject({
    /** Render this invoice (or, for receipts, this receipt); without it a sample document is used. */
    invoice_id: id.optional(),
    receipt_id: id.optional(),
    email_kind: z
      .enum(['invoice_sent', 'reminder', 'overdue', 'paid', 'receipt', 'refund_receipt'])
      .optional(),
  })
  .nullish()
  .transform((v) => v ?? {});

@ApiTags('templates')
@ApiSecurity('apiKey')
@Controller('api/v1/templates')
export class TemplateController {
  constructor(
    private readonly templates: TemplateService,
    private readonly preview: BillingPreviewService,
  ) {}

  @Get()
  @Access('read')
  async list(@Query() q: unknown) {
    const { kind } = parseOrThrow(z.strictObject({ kind: z.enum(TEMPLATE_KINDS).optional() }), q);
    return { results: await this.templates.list(kind) };
  }

  @Post()
  @Access('write')
  @ApiBody({ schema: jsonSchema(createTemplate) })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.templates.create(actor, parseOrThrow(createTemplate, body));
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string) {
    return this.templates.get(parseId(raw));
  }

  @Patch(':id')
  @Access('write')
  @ApiBody({ schema: jsonSchema(updateTemplate) })
  update(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.templates.update(actor, parseId(raw), parseOrThrow(updateTemplate, body));
  }

  @Post(':id/preview')
  @Access('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Invoice/receipt templates: a PDF; email templates: {subject, text, html}' })
  async render(
    @Param('id') raw: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const out = await this.preview.preview(parseId(raw), parseOrThrow(previewBody, body));
    if (Buffer.isBuffer(out)) void res.header('content-type', 'application/pdf');
    return out;
  }
}
