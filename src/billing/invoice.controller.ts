import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { Problem } from '../app/problem';
import { invoiceIndex } from '../app/query/catalog';
import type { IndexQueryService } from '../app/query/index-query.service';
import { INDEX_QUERY } from '../app/query/view-source';
import { BillingDocumentService } from './billing-document.service';
import { InvoicePaymentService } from './invoice-payment.service';
import { InvoiceService } from './invoice.service';
import {
  createInvoice,
  creditNote,
  finalizeInvoice,
  markPaid,
  uncollectible,
  updateInvoice,
  voidInvoice,
} from './invoice.types';

export const parseId = (raw: string, field = 'id') =>
  parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, field);

function parseIfMatch(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = raw.replace(/^W\//, '').replace(/"/g, '').trim();
  if (!/^\d{1,9}$/.test(v))
    throw Problem.validation([{ field: 'If-Match', message: 'must be a record version' }]);
  return Number(v);
}

const shorthands = z.object({
  status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']).optional(),
  company_id: z.coerce.number().pipe(id).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  after: z.never({ error: 'is replaced by cursor (paging.next of the previous page)' }).optional(),
});

/** The list's older query parameters, kept as shorthands for filters of the index endpoint. */
function invoiceShorthands(q: Record<string, unknown>): Record<string, unknown> {
  const { status, company_id, overdue, after, ...rest } = q;
  const s = parseOrThrow(shorthands, { status, company_id, overdue, after });
  const out: Record<string, unknown> = { ...rest };
  if (s.status) out['filter[status][eq]'] = s.status;
  if (s.company_id) out['filter[company_id][eq]'] = String(s.company_id);
  if (s.overdue) out[`filter[overdue_since][${s.overdue === 'true' ? 'is_not_empty' : 'is_empty'}]`] = 'true';
  return out;
}

const templateQuery = z.strictObject({ template_id: z.coerce.number().pipe(id).optional() });

@ApiTags('invoices')
@ApiSecurity('apiKey')
@Controller('api/v1/invoices')
export class InvoiceController {
  constructor(
    private readonly invoices: InvoiceService,
    private readonly payments: InvoicePaymentService,
    private readonly documents: BillingDocumentService,
    @Inject(INDEX_QUERY) private readonly index: IndexQueryService,
  ) {}

  @Get()
  @Access('read')
  @ApiOperation({
    summary:
      'List invoices: the filter language (docs/filters.md), sort, fields, cursor, count; ' +
      'status=, company_id= and overdue=true|false are shorthands for the matching filters',
  })
  list(@Query() q: Record<string, unknown>, @CurrentActor() actor: Actor) {
    return this.index.listJson(invoiceIndex, invoiceShorthands(q ?? {}), actor);
  }

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Create a draft invoice; totals are derived from its lines' })
  @ApiBody({ schema: jsonSchema(createInvoice) })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.invoices.create(actor, parseOrThrow(createInvoice, body));
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string) {
    return this.invoices.get(parseId(raw));
  }

  @Patch(':id')
  @Access('write')
  @ApiOperation({ summary: 'Edit a draft or open invoice (lines are replaced as a whole)' })
  @ApiBody({ schema: jsonSchema(updateInvoice) })
  update(
    @Param('id') raw: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.invoices.update(
      actor,
      parseId(raw),
      parseOrThrow(updateInvoice, body),
      parseIfMatch(ifMatch),
    );
  }

  @Post(':id/finalize')
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Draft → open: assigns the next number of its prefix and the due date' })
  @ApiBody({
    schema: jsonSchema(z.strictObject({ issue_date: z.string().optional(), send: z.boolean().optional() })),
    required: false,
  })
  finalize(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.invoices.finalize(actor, parseId(raw), parseOrThrow(finalizeInvoice, body));
  }

  @Post(':id/send')
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Email the invoice (again) to its contact' })
  send(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.invoices.send(actor, parseId(raw));
  }

  @Post(':id/mark-paid')
  @Access('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a manual payment (amount, method manual|other with detail, date)' })
  @ApiBody({ schema: jsonSchema(markPaid) })
  markPaid(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.payments.markPaid(actor, parseId(raw), parseOrThrow(markPaid, body ?? {}));
  }

  @Post(':id/void')
  @Access('write')
  @HttpCode(200)
  @ApiBody({ schema: jsonSchema(voidInvoice) })
  void(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.invoices.void(actor, parseId(raw), parseOrThrow(voidInvoice, body).reason);
  }

  @Post(':id/mark-uncollectible')
  @Access('write')
  @HttpCode(200)
  markUncollectible(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.invoices.markUncollectible(actor, parseId(raw), parseOrThrow(uncollectible, body).reason);
  }

  @Post(':id/credit-notes')
  @Access('write')
  @ApiOperation({ summary: 'Refund after payment: issues a numbered credit note and a refund receipt' })
  @ApiBody({ schema: jsonSchema(creditNote) })
  creditNote(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.payments.creditNote(actor, parseId(raw), parseOrThrow(creditNote, body));
  }

  @Get(':id/pdf')
  @Access('read')
  @ApiProduces('application/pdf')
  async pdf(@Param('id') raw: string, @Query() q: unknown, @Res({ passthrough: true }) res: FastifyReply) {
    const { template_id } = parseOrThrow(templateQuery, q);
    const pdf = await this.documents.invoicePdf(parseId(raw), template_id);
    void res.header('content-type', 'application/pdf');
    return pdf;
  }
}
