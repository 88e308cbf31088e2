import { Module } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { systemClock } from '../app/clock';
import type { AppConfig } from '../app/config';
import { CONFIG, KNEX, LOGGER } from '../app/tokens';
import { InvoicePaymentService } from '../billing/invoice-payment.service';
import { SyncEngine } from '../sync/sync.engine';
import { SyncModule } from '../sync/sync.module';
import { MoneyIndexController, PaymentController, WebhookController } from './payment.controller';
import { PaymentIngestService } from './payment-ingest.service';
import { PaymentPullService } from './payment-pull.service';
import { PaymentService } from './payment.service';
import { PaymentsRuntime } from './payments.runtime';
import { PayoutSummaryService } from './payout-summary.service';
import { RefundService } from './refund.service';
import { WebhookService } from './webhook.service';

/** Payments, refunds, disputes and payouts (processor-agnostic; Stripe comes in as a connector). */
@Module({
  imports: [SyncModule],
  controllers: [PaymentController, MoneyIndexController, WebhookController],
  providers: [
    {
      provide: PaymentIngestService,
      inject: [InvoicePaymentService],
      useFactory: (ip: InvoicePaymentService) => new PaymentIngestService(ip),
    },
    {
      provide: PaymentPullService,
      inject: [KNEX, SyncEngine, PaymentIngestService, LOGGER],
      useFactory: (db: Knex, engine: SyncEngine, ingest: PaymentIngestService, log: Logger) =>
        new PaymentPullService(db, engine, ingest, log.child({ component: 'payments' })),
    },
    {
      provide: WebhookService,
      inject: [KNEX, SyncEngine, PaymentPullService],
      useFactory: (db: Knex, engine: SyncEngine, pull: PaymentPullService) =>
        new WebhookService(db, engine, pull),
    },
    {
      provide: RefundService,
      inject: [KNEX, SyncEngine],
      useFactory: (db: Knex, engine: SyncEngine) => new RefundService(db, engine),
    },
    { provide: PaymentService, inject: [KNEX], useFactory: (db: Knex) => new PaymentService(db) },
    {
      provide: PayoutSummaryService,
      inject: [KNEX, CONFIG],
      useFactory: (db: Knex, config: AppConfig) =>
        new PayoutSummaryService(db, systemClock, config.payoutSummaryTo),
    },
    PaymentsRuntime,
  ],
  exports: [PaymentPullService, PaymentService, PayoutSummaryService],
})
export class PaymentsModule {}
