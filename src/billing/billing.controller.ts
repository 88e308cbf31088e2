import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { Problem } from '../app/problem';
import { BillingDocumentService } from './billing-document.service';
import { billingSettings, BillingSettingsService } from './billing-settings.service';
import { BILLING_CLOCK, BillingClock } from './billing.tokens';
import { EmailDispatcherService } from './email-dispatcher.service';
import { EmailOutboxRepository } from './email-outbox.repository';
import { parseId } from './invoice.controller';
import { InvoicePaymentService } from './invoice-payment.service';
import { OverdueService } from './overdue.service';
import { Inject } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../app/tokens';

const outboxQuery = z.strictObject({
  related_object: z.enum(['invoice', 'receipt']).optional(),
  related_id: z.coerce.number().pipe(id).optional(),
  state: z.enum(['pending', 'sending', 'sent', 'logged', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** Billing settings, receipts, the email outbox and the daily job trigger. */
@ApiTags('billing')
@ApiSecurity('apiKey')
@Controller('api/v1')
export class BillingController {
  private readonly outbox = new EmailOutboxRepository();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(BILLING_CLOCK) private readonly clock: BillingClock,
    private readonly settings: BillingSettingsService,
    private readonly payments: InvoicePaymentService,
    private readonly documents: BillingDocumentService,
    private readonly dispatcher: EmailDispatcherService,
    private readonly overdue: OverdueService,
  ) {}

  @Get('billing/settings')
  @Access('read')
  getSettings() {
    return this.settings.get();
  }

  @Put('billing/settings')
  @Access('admin')
  @ApiBody({ schema: jsonSchema(billingSettings.partial()) })
  putSettings(@Body() body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw Problem.validation([{ field: '(body)', message: 'must be an object' }]);
    }
    return this.settings.update(body);
  }

  /** Runs overdue detection and reminders now (the same job runs daily). */
  @Post('billing/jobs/daily')
  @Access('admin')
  @HttpCode(200)
  runDaily() {
    return this.overdue.run();
  }

  @Get('receipts/:id')
  @Access('read')
  receipt(@Param('id') raw: string) {
    return this.payments.receipt(parseId(raw));
  }

  @Get('receipts/:id/pdf')
  @Access('read')
  @ApiProduces('application/pdf')
  async receiptPdf(@Param('id') raw: string, @Res({ passthrough: true }) res: FastifyReply) {
    const pdf = await this.documents.receiptPdf(parseId(raw));
    void res.header('content-type', 'application/pdf');
    return pdf;
  }

  @Post('receipts/:id/resend')
  @Access('write')
  @HttpCode(200)
  resend(@Param('id') raw: string, @CurrentActor() actor: Actor) {
    return this.payments.resendReceipt(actor, parseId(raw));
  }

  @Get('email-outbox')
  @Access('read')
  async listOutbox(@Query() q: unknown) {
    return { results: await this.outbox.list(this.db, parseOrThrow(outboxQuery, q)) };
  }

  /** Sends due outbox rows now (the dispatcher also runs every 10 s). */
  @Post('email-outbox/dispatch')
  @Access('admin')
  @HttpCode(200)
  dispatch() {
    return this.dispatcher.dispatch();
  }

  @Post('email-outbox/:id/retry')
  @Access('admin')
  @HttpCode(200)
  async retry(@Param('id') raw: string) {
    const row = await this.outbox.retry(this.db, parseId(raw), this.clock.now());
    if (!row) throw Problem.conflict('Only pending or dead emails can be retried.');
    return row;
  }
}
