import {
  balanceCategory,
  balanceTxnToRecord,
  chargeToPayment,
  disputeToRecord,
  eventToRecord,
  payoutToRecord,
  refundToRecord,
} from '../../../mappings/stripe/payments.inbound';

/** Small Stripe JSON in → the neutral record the ingest writes out (API 2023-08-16 field names). */
const T = 1_764_000_000; // 2025-11-24T16:00:00Z
const charge = (over: Record<string, unknown> = {}) => ({
  id: 'ch_1',
  object: 'charge',
  amount: 12_345,
  amount_refunded: 0,
  currency: 'usd',
  created: T,
  customer: 'cus_9',
  payment_intent: 'pi_1',
  status: 'succeeded',
  disputed: false,
  description: 'Invoice INV-7',
  failure_code: null,
  failure_message: null,
  metadata: { invoice_id: '7' },
  balance_transaction: 'txn_1',
  payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
  ...over,
});

describe('chargeToPayment', () => {
  it('maps a succeeded card charge with exact minor units and its references', () => {
    expect(chargeToPayment(charge())).toEqual({
      kind: 'payment',
      externalId: 'ch_1',
      intentId: 'pi_1',
      customerExternalId: 'cus_9',
      amountMinor: 12_345,
      currency: 'USD',
      status: 'succeeded',
      method: 'card',
      methodDetail: 'visa •4242',
      feeMinor: null,
      balanceTxnId: 'txn_1',
      amountRefundedMinor: 0,
      disputed: false,
      createdAt: new Date(T * 1000),
      description: 'Invoice INV-7',
      failureCode: null,
      failureMessage: null,
      metadata: { invoice_id: '7' },
    });
  });

  it('reads the fee from an expanded balance transaction and expanded customer/intent objects', () => {
    const r = chargeToPayment(
      charge({
        balance_transaction: { id: 'txn_2', fee: 388, amount: 12_345, net: 11_957 },
        customer: { id: 'cus_x', object: 'customer' },
        payment_intent: { id: 'pi_x', object: 'payment_intent' },
      }),
    );
    expect(r).toMatchObject({
      feeMinor: 388,
      balanceTxnId: 'txn_2',
      customerExternalId: 'cus_x',
      intentId: 'pi_x',
    });
  });

  it('maps ACH, pending → processing, failed with its reason, and partial refunds', () => {
    const ach = chargeToPayment(
      charge({
        status: 'pending',
        amount_refunded: 1000,
        payment_method_details: {
          type: 'us_bank_account',
          us_bank_account: { bank_name: 'STRIPE TEST BANK', last4: '6789' },
        },
      }),
    );
    expect(ach).toMatchObject({
      method: 'ach',
      methodDetail: 'STRIPE TEST BANK •6789',
      status: 'processing',
      amountRefundedMinor: 1000,
    });
    const failed = chargeToPayment(
      charge({ status: 'failed', failure_code: 'card_declined', failure_message: 'Your card was declined.' }),
    );
    expect(failed).toMatchObject({
      status: 'failed',
      failureCode: 'card_declined',
      failureMessage: 'Your card was declined.',
    });
    expect(chargeToPayment(charge({ payment_method_details: { type: 'link' } }))).toMatchObject({
      method: 'other',
      methodDetail: 'link',
    });
    expect(chargeToPayment(charge({ customer: null, payment_intent: undefined }))).toMatchObject({
      customerExternalId: null,
      intentId: null,
    });
  });

  it('copies zero- and three-decimal amounts as the same integers (JPY, KWD)', () => {
    expect(chargeToPayment(charge({ amount: 5000, currency: 'jpy' }))).toMatchObject({
      amountMinor: 5000,
      currency: 'JPY',
    });
    expect(chargeToPayment(charge({ amount: 12_340, currency: 'kwd' }))).toMatchObject({
      amountMinor: 12_340,
      currency: 'KWD',
    });
  });

  it('refuses an amount that is not an integer instead of writing it', () => {
    expect(() => chargeToPayment(charge({ amount: 12.5 }))).toThrow(/amount is not an integer/);
    expect(() => chargeToPayment(charge({ amount: '100' }))).toThrow(/amount is not an integer/);
    expect(() => chargeToPayment(charge({ balance_transaction: { id: 'txn_3', fee: null } }))).toThrow(
      /fee is not an integer/,
    );
  });
});

describe('refunds, disputes, payouts', () => {
  it('maps a refund and keeps unknown statuses as pending', () => {
    const re = {
      id: 're_1',
      object: 'refund',
      amount: 500,
      currency: 'eur',
      charge: 'ch_1',
      status: 'succeeded',
      reason: 'requested_by_customer',
      created: T,
    };
    expect(refundToRecord(re)).toEqual({
      kind: 'refund',
      externalId: 're_1',
      chargeExternalId: 'ch_1',
      amountMinor: 500,
      currency: 'EUR',
      status: 'succeeded',
      reason: 'requested_by_customer',
      createdAt: new Date(T * 1000),
    });
    expect(refundToRecord({ ...re, status: 'requires_action', charge: { id: 'ch_2' } })).toMatchObject({
      status: 'pending',
      chargeExternalId: 'ch_2',
    });
  });

  it('maps a dispute with the fees of its expanded balance transactions and the evidence deadline', () => {
    const dp = {
      id: 'dp_1',
      object: 'dispute',
      amount: 12_345,
      currency: 'usd',
      charge: 'ch_1',
      status: 'needs_response',
      reason: 'fraudulent',
      created: T,
      evidence_details: { due_by: T + 7 * 86400 },
      balance_transactions: [
        { id: 'txn_d1', amount: -12_345, fee: 1500, net: -13_845 },
        { id: 'txn_d2', amount: 0, fee: 0, net: 0 },
      ],
    };
    expect(disputeToRecord(dp)).toEqual({
      kind: 'dispute',
      externalId: 'dp_1',
      chargeExternalId: 'ch_1',
      amountMinor: 12_345,
      currency: 'USD',
      status: 'needs_response',
      reason: 'fraudulent',
      feeMinor: 1500,
      createdAt: new Date(T * 1000),
      evidenceDueBy: new Date((T + 7 * 86400) * 1000),
    });
    expect(disputeToRecord({ ...dp, balance_transactions: undefined, evidence_details: {} })).toMatchObject({
      feeMinor: 0,
      evidenceDueBy: null,
    });
  });

  it('maps a payout with its arrival day (UTC date)', () => {
    expect(
      payoutToRecord({
        id: 'po_1',
        amount: 99_000,
        currency: 'usd',
        status: 'paid',
        arrival_date: T,
        created: T - 86400,
      }),
    ).toEqual({
      kind: 'payout',
      externalId: 'po_1',
      amountMinor: 99_000,
      currency: 'USD',
      status: 'paid',
      arrivalDate: '2025-11-24',
      createdAt: new Date((T - 86400) * 1000),
    });
    expect(
      payoutToRecord({
        id: 'po_2',
        amount: 1,
        currency: 'usd',
        status: 'pending',
        arrival_date: null,
        created: T,
      }),
    ).toMatchObject({ arrivalDate: null });
  });
});

describe('balance transactions', () => {
  it('classifies by type, reporting category and source', () => {
    expect(balanceCategory({ type: 'charge' })).toBe('charge');
    expect(balanceCategory({ type: 'payment' })).toBe('charge');
    expect(balanceCategory({ type: 'refund' })).toBe('refund');
    expect(balanceCategory({ type: 'payment_refund' })).toBe('refund');
    expect(balanceCategory({ type: 'payout' })).toBe('payout');
    expect(balanceCategory({ type: 'adjustment', reporting_category: 'dispute' })).toBe('dispute');
    expect(balanceCategory({ type: 'adjustment', source: 'dp_123' })).toBe('dispute');
    expect(balanceCategory({ type: 'stripe_fee' })).toBe('other');
  });

  it('maps amount, fee and net exactly with the payout it belongs to', () => {
    const bt = {
      id: 'txn_1',
      type: 'charge',
      reporting_category: 'charge',
      source: { id: 'ch_1' },
      amount: 12_345,
      fee: 388,
      net: 11_957,
      currency: 'usd',
      created: T,
      available_on: T + 2 * 86400,
    };
    expect(balanceTxnToRecord(bt, 'po_1')).toEqual({
      kind: 'balance_transaction',
      externalId: 'txn_1',
      type: 'charge',
      category: 'charge',
      sourceExternalId: 'ch_1',
      payoutExternalId: 'po_1',
      amountMinor: 12_345,
      feeMinor: 388,
      netMinor: 11_957,
      currency: 'USD',
      createdAt: new Date(T * 1000),
      availableOn: '2025-11-26',
    });
  });
});

describe('eventToRecord', () => {
  it('turns the objects the hub mirrors into records and ignores the rest', () => {
    expect(eventToRecord({ type: 'charge.succeeded', data: { object: charge() } })).toMatchObject({
      kind: 'payment',
      externalId: 'ch_1',
    });
    expect(
      eventToRecord({
        type: 'charge.refund.updated',
        data: {
          object: {
            object: 'refund',
            id: 're_1',
            amount: 1,
            currency: 'usd',
            charge: 'ch_1',
            status: 'succeeded',
            created: T,
          },
        },
      }),
    ).toMatchObject({ kind: 'refund', externalId: 're_1' });
    expect(
      eventToRecord({
        type: 'payout.paid',
        data: {
          object: { object: 'payout', id: 'po_1', amount: 1, currency: 'usd', status: 'paid', created: T },
        },
      }),
    ).toMatchObject({ kind: 'payout' });
    expect(
      eventToRecord({ type: 'customer.created', data: { object: { object: 'customer', id: 'cus_1' } } }),
    ).toBeNull();
    expect(eventToRecord({ type: 'ping' })).toBeNull();
  });
});
