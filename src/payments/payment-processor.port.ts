import { Injectable } from '@nestjs/common';

/**
 * The port billing uses to move money; connectors/stripe implements it (issue 6). Results are never
 * trusted from a browser redirect: they come back through the processor's pull/webhook path,
 * which calls InvoicePaymentService.applyProcessorPayment (src/billing/invoice-payment.service.ts).
 * Every mutating call carries an idempotency key derived from our ids.
 */
export type PaymentMethodKind = 'card' | 'us_bank_account';

/** Links a checkout or charge back to what it pays for. */
export interface PaymentMetadata {
  invoice_id?: string;
  payment_link_id?: string;
  quote_id?: string;
  subscription_id?: string;
  [key: string]: string | undefined;
}

export interface EnsureCustomerInput {
  /** Our contact or company reference, e.g. 'contact:42'. */
  reference: string;
  email?: string | null;
  name?: string | null;
  idempotencyKey: string;
}

export interface CheckoutInput {
  mode: 'payment' | 'setup';
  customerId: string;
  /** Required for mode 'payment'; minor units. */
  amountMinor?: number;
  currency: string;
  description?: string;
  methods: PaymentMethodKind[];
  successUrl: string;
  cancelUrl: string;
  metadata: PaymentMetadata;
  idempotencyKey: string;
}

export interface CheckoutSession {
  id: string;
  /** Where to send the customer's browser. */
  url: string;
  expiresAt?: Date;
}

export interface ChargeInput {
  customerId: string;
  paymentMethodId: string;
  amountMinor: number;
  currency: string;
  metadata: PaymentMetadata;
  idempotencyKey: string;
}

export interface RefundInput {
  paymentId: string;
  /** Omit for a full refund. */
  amountMinor?: number;
  reason?: string;
  idempotencyKey: string;
}

export type ProcessorPaymentStatus =
  'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'refunded';

export interface PaymentStatus {
  id: string;
  status: ProcessorPaymentStatus;
  amountMinor: number;
  currency: string;
  method?: 'card' | 'ach';
  feeMinor?: number;
  payoutId?: string | null;
  metadata: PaymentMetadata;
}

export interface PaymentProcessor {
  readonly name: string;
  ensureCustomer(input: EnsureCustomerInput): Promise<{ customerId: string }>;
  createCheckout(input: CheckoutInput): Promise<CheckoutSession>;
  chargeSavedMethod(input: ChargeInput): Promise<PaymentStatus>;
  refund(input: RefundInput): Promise<{ refundId: string; status: 'pending' | 'succeeded' | 'failed' }>;
  readPayment(paymentId: string): Promise<PaymentStatus>;
  /** False when the processor cannot take payments now (e.g. no active connection). */
  isAvailable?(): Promise<boolean>;
}

/**
 * Where the processor is registered, explicitly (nothing registers itself): the payments module
 * calls `register()` at start. Billing asks `current()` and shows "online payment unavailable"
 * when none is registered.
 */
@Injectable()
export class PaymentProcessorRegistry {
  private processor: PaymentProcessor | null = null;

  register(processor: PaymentProcessor) {
    this.processor = processor;
  }

  unregister() {
    this.processor = null;
  }

  current(): PaymentProcessor | null {
    return this.processor;
  }

  /** The registered processor if it can take payments now, else null. */
  async available(): Promise<PaymentProcessor | null> {
    const p = this.processor;
    if (!p) return null;
    return !p.isAvailable || (await p.isAvailable()) ? p : null;
  }
}
