import { Global, Module } from '@nestjs/common';
import { PaymentProcessorRegistry } from '../payments/payment-processor.port';
import { BillingController } from './billing.controller';
import { BillingDocumentService } from './billing-document.service';
import { BillingPreviewService } from './billing-preview.service';
import { BillingSettingsService } from './billing-settings.service';
import { BILLING_CLOCK, defaultBillingClock } from './billing.tokens';
import { EmailDispatcherService } from './email-dispatcher.service';
import { InvoiceController } from './invoice.controller';
import { InvoiceNotifier } from './invoice.notifier';
import { InvoicePaymentService } from './invoice-payment.service';
import { InvoiceService } from './invoice.service';
import { OverdueService } from './overdue.service';
import { PayPageController } from './pay-page.controller';
import { TemplateController } from './template.controller';
import { TemplateService } from './template.service';

/**
 * Invoices, templates, receipts, emails and the pay page. Global so the payments module can inject
 * PaymentProcessorRegistry (to register its processor) and InvoicePaymentService (to apply
 * collected payments from its pull/webhook path).
 */
@Global()
@Module({
  controllers: [InvoiceController, TemplateController, BillingController, PayPageController],
  providers: [
    { provide: BILLING_CLOCK, useValue: defaultBillingClock },
    PaymentProcessorRegistry,
    BillingSettingsService,
    TemplateService,
    BillingDocumentService,
    BillingPreviewService,
    InvoiceNotifier,
    InvoiceService,
    InvoicePaymentService,
    EmailDispatcherService,
    OverdueService,
  ],
  exports: [
    PaymentProcessorRegistry,
    InvoicePaymentService,
    InvoiceService,
    BillingSettingsService,
    BILLING_CLOCK,
  ],
})
export class BillingModule {}
