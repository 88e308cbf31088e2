import type Stripe from 'stripe';
import { chargeToPayment } from '../../mappings/stripe/payments.inbound';
import type {
  ChargeInput,
  CheckoutInput,
  CheckoutSession,
  EnsureCustomerInput,
  PaymentMetadata,
  PaymentProcessor,
  PaymentStatus,
  ProcessorPaymentStatus,
  RefundInput,
} from '../../src/payments/payment-processor.port';
import { toVendorError } from './stripe.client';

type Obj = Record<string, any>;

/** Stripe metadata values are strings; undefined keys are dropped. */
function meta(m: PaymentMetadata): Record<string, string> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

function intentStatus(s: string): ProcessorPaymentStatus {
  if (s === 'succeeded') return 'succeeded';
  if (s === 'processing') return 'processing';
  if (s === 'canceled') return 'canceled';
  return 'pending';
}

/**
 * The PaymentProcessor port over Stripe. Only money movement: customers, setup/payment checkout
 * sessions, off-session PaymentIntents and refunds — no Stripe Billing objects. Every write
 * carries the caller's idempotency key; results are confirmed later by the pull/webhook path.
 */
export class StripePaymentProcessor implements PaymentProcessor {
  readonly name = 'stripe';

  constructor(private readonly stripe: Stripe) {}

  /**
   * Finds the customer the sync push created for this record (same metadata) before creating one,
   * so a contact has one Stripe customer whichever path met it first. Reference: "contact:42".
   */
  async ensureCustomer(input: EnsureCustomerInput): Promise<{ customerId: string }> {
    const [object, localId] = input.reference.split(':');
    try {
      const query = `metadata['ledgerline_id']:'${localId}' AND metadata['ledgerline_object']:'${object}'`;
      const found = await this.stripe.customers.search({ query, limit: 1 });
      if (found.data[0]) return { customerId: found.data[0].id };
      const c = await this.stripe.customers.create(
        {
          ...(input.email ? { email: input.email } : {}),
          ...(input.name ? { name: input.name } : {}),
          metadata: { ledgerline_id: localId ?? input.reference, ledgerline_object: object },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return { customerId: c.id };
    } catch (err) {
      throw toVendorError(err);
    }
  }

  async createCheckout(input: CheckoutInput): Promise<CheckoutSession> {
    const metadata = meta(input.metadata);
    const common = {
      customer: input.customerId,
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
      payment_method_types: input.methods,
      metadata,
    };
    try {
      const session =
        input.mode === 'payment'
          ? await this.stripe.checkout.sessions.create(
              {
                ...common,
                mode: 'payment',
                line_items: [
                  {
                    quantity: 1,
                    price_data: {
                      currency: input.currency.toLowerCase(),
                      unit_amount: input.amountMinor!,
                      product_data: { name: input.description ?? 'Payment' },
                    },
                  },
                ],
                // Charges copy their intent's metadata: the pull links the payment back by it.
                payment_intent_data: { metadata },
              },
              { idempotencyKey: input.idempotencyKey },
            )
          : await this.stripe.checkout.sessions.create(
              { ...common, mode: 'setup', setup_intent_data: { metadata } },
              { idempotencyKey: input.idempotencyKey },
            );
      return {
        id: session.id,
        url: session.url!,
        expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : undefined,
      };
    } catch (err) {
      throw toVendorError(err);
    }
  }

  async chargeSavedMethod(input: ChargeInput): Promise<PaymentStatus> {
    try {
      const pi = await this.stripe.paymentIntents.create(
        {
          amount: input.amountMinor,
          currency: input.currency.toLowerCase(),
          customer: input.customerId,
          payment_method: input.paymentMethodId,
          off_session: true,
          confirm: true,
          metadata: meta(input.metadata),
          expand: ['latest_charge.balance_transaction'],
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return this.fromIntent(pi);
    } catch (err) {
      // A decline is an answer, not a failure of the call: report it as a failed payment.
      const raw = (err as { raw?: Obj; type?: string }).raw;
      if ((err as { type?: string }).type === 'StripeCardError' && raw?.payment_intent) {
        return { ...this.fromIntent(raw.payment_intent as Obj), status: 'failed' };
      }
      throw toVendorError(err);
    }
  }

  async refund(
    input: RefundInput,
  ): Promise<{ refundId: string; status: 'pending' | 'succeeded' | 'failed' }> {
    try {
      const target = input.paymentId.startsWith('ch_')
        ? { charge: input.paymentId }
        : { payment_intent: input.paymentId };
      const re = await this.stripe.refunds.create(
        {
          ...target,
          ...(input.amountMinor !== undefined ? { amount: input.amountMinor } : {}),
          ...(input.reason ? { metadata: { ledgerline_reason: input.reason.slice(0, 500) } } : {}),
        },
        { idempotencyKey: input.idempotencyKey },
      );
      const status = re.status === 'succeeded' ? 'succeeded' : re.status === 'failed' ? 'failed' : 'pending';
      return { refundId: re.id, status };
    } catch (err) {
      throw toVendorError(err);
    }
  }

  /** Accepts a PaymentIntent id (pi_…) or a charge id (ch_…). */
  async readPayment(paymentId: string): Promise<PaymentStatus> {
    try {
      if (paymentId.startsWith('ch_')) {
        const ch = await this.stripe.charges.retrieve(paymentId, { expand: ['balance_transaction'] });
        const r = chargeToPayment(ch);
        return {
          id: r.externalId,
          status:
            r.amountRefundedMinor === r.amountMinor && r.amountMinor > 0 && r.status === 'succeeded'
              ? 'refunded'
              : r.status === 'processing'
                ? 'processing'
                : r.status,
          amountMinor: r.amountMinor,
          currency: r.currency,
          method: r.method === 'other' ? undefined : r.method,
          feeMinor: r.feeMinor ?? undefined,
          metadata: r.metadata,
        };
      }
      const pi = await this.stripe.paymentIntents.retrieve(paymentId, {
        expand: ['latest_charge.balance_transaction'],
      });
      return this.fromIntent(pi);
    } catch (err) {
      throw toVendorError(err);
    }
  }

  private fromIntent(pi: Obj): PaymentStatus {
    const charge =
      pi.latest_charge && typeof pi.latest_charge === 'object' ? (pi.latest_charge as Obj) : null;
    const bt = charge?.balance_transaction;
    const type = charge?.payment_method_details?.type;
    return {
      id: pi.id,
      status: intentStatus(pi.status),
      amountMinor: pi.amount,
      currency: String(pi.currency).toUpperCase(),
      method: type === 'card' ? 'card' : type === 'us_bank_account' ? 'ach' : undefined,
      feeMinor: bt && typeof bt === 'object' ? bt.fee : undefined,
      payoutId: null,
      metadata: { ...(pi.metadata ?? {}) },
    };
  }
}
