import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Access, Actor } from '../app/auth/access';
import { CurrentActor } from '../app/auth/actor.decorator';
import { id, jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import type { IndexQueryService } from '../app/query/index-query.service';
import { INDEX_QUERY } from '../app/query/view-source';
import { PaymentPullService } from './payment-pull.service';
import { PaymentService } from './payment.service';
import {
  createRefund,
  disputesIndex,
  manualPayment,
  paymentsIndex,
  payoutsIndex,
  pullBody,
  refundsIndex,
  summaryBody,
} from './payment.types';
import { PayoutSummaryService } from './payout-summary.service';
import { Problem } from '../app/problem';
import { RefundService } from './refund.service';
import { WebhookService } from './webhook.service';

const parseId = (raw: string, field = 'id') =>
  parseOrThrow(id, /^\d{1,16}$/.test(raw) ? Number(raw) : raw, field);

/** Payments as CRM records: index (filter language), detail, manual payments, refunds. */
@ApiTags('payments')
@ApiSecurity('apiKey')
@Controller('api/v1/payments')
export class PaymentController {
  constructor(
    @Inject(INDEX_QUERY) private readonly index: IndexQueryService,
    private readonly payments: PaymentService,
    private readonly refunds: RefundService,
    private readonly pulls: PaymentPullService,
  ) {}

  @Get()
  @Access('read')
  @ApiOperation({
    summary: 'List payments; filter[method]=ach&filter[amount][gt]=1000 USD&filter[paid_at][eq]=last_quarter',
  })
  list(@Query() q: Record<string, unknown>, @CurrentActor() actor: Actor) {
    return this.index.listJson(paymentsIndex, q, actor);
  }

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Record a manual payment (cash, cheque, bank transfer) collected outside' })
  @ApiBody({ schema: jsonSchema(manualPayment) })
  create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.payments.createManual(actor, parseOrThrow(manualPayment, body));
  }

  @Post('pull')
  @Access('admin')
  @ApiOperation({ summary: 'Pull payments, refunds, disputes and payouts of a connection now' })
  @ApiBody({ schema: jsonSchema(pullBody) })
  pull(@Body() body: unknown) {
    return this.pulls.pull(parseOrThrow(pullBody, body).connection_id);
  }

  @Get(':id')
  @Access('read')
  get(@Param('id') raw: string) {
    return this.payments.get(parseId(raw));
  }

  @Post(':id/refunds')
  @Access('write')
  @ApiOperation({ summary: 'Refund a payment in full or in part (through its processor, or recorded)' })
  @ApiBody({ schema: jsonSchema(createRefund) })
  refund(@Param('id') raw: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return this.refunds.create(actor, parseId(raw), parseOrThrow(createRefund, body ?? {}));
  }
}

@ApiTags('payments')
@ApiSecurity('apiKey')
@Controller('api/v1')
export class MoneyIndexController {
  constructor(
    @Inject(INDEX_QUERY) private readonly index: IndexQueryService,
    private readonly payments: PaymentService,
    private readonly summaries: PayoutSummaryService,
  ) {}

  @Post('payouts/summary')
  @Access('admin')
  @ApiOperation({ summary: 'Queue the payout summary email of a day (default yesterday) to finance' })
  @ApiBody({ schema: jsonSchema(summaryBody) })
  summary(@Body() body: unknown) {
    const b = parseOrThrow(summaryBody, body ?? {});
    const to = b.to ?? this.summaries.recipient;
    if (!to)
      throw Problem.validation([{ field: 'to', message: 'is required when PAYOUT_SUMMARY_TO is not set' }]);
    const date = b.date ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    return this.summaries.send(date, to);
  }

  @Get('refunds')
  @Access('read')
  refunds(@Query() q: Record<string, unknown>, @CurrentActor() actor: Actor) {
    return this.index.listJson(refundsIndex, q, actor);
  }

  @Get('disputes')
  @Access('read')
  disputes(@Query() q: Record<string, unknown>, @CurrentActor() actor: Actor) {
    return this.index.listJson(disputesIndex, q, actor);
  }

  @Get('payouts')
  @Access('read')
  payouts(@Query() q: Record<string, unknown>, @CurrentActor() actor: Actor) {
    return this.index.listJson(payoutsIndex, q, actor);
  }

  @Get('payouts/:id')
  @Access('read')
  @ApiOperation({ summary: 'A payout with its composition and balance transactions' })
  payout(@Param('id') raw: string) {
    return this.payments.payout(parseId(raw));
  }
}

/** Vendor webhooks: public (the signature is the authentication), answered at once. */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post('stripe')
  @HttpCode(200)
  @Access('public')
  @ApiOperation({ summary: 'Stripe webhook: signature and timestamp checked, stored once, wakes the pull' })
  stripe(@Req() req: FastifyRequest) {
    return this.webhooks.receive('stripe', (req as unknown as { rawBody?: string }).rawBody, req.headers);
  }
}
