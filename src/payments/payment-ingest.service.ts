import type { Knex } from 'knex';
import type { InvoicePaymentService } from '../billing/invoice-payment.service';
import { BalanceTxnIngest } from './balance-txn.ingest';
import { BulkInsertRepository } from './bulk-insert.repository';
import { DisputeIngest } from './dispute.ingest';
import { ChangeRecorder, type IngestCounts } from './ingest.support';
import { PaymentIngest } from './payment.ingest';
import { PaymentRepository } from './payment.repository';
import type { ProcessorRecord } from './payment-source.port';
import { PayoutIngest } from './payout.ingest';
import { RefundIngest } from './refund.ingest';

export type { IngestCounts } from './ingest.support';
export { paymentStatus } from './payment.ingest';

/**
 * Writes processor records into payments, refunds, disputes, payouts and balance_transactions
 * in the caller's transaction, keyed by (processor, processor_id): applying the same record twice
 * changes nothing, so replayed and duplicated events are harmless. Canonical rows get audit +
 * outbox and payments a status history. One step per object (payment.ingest.ts,
 * refund.ingest.ts, dispute.ingest.ts, payout.ingest.ts, balance-txn.ingest.ts), in the order
 * their references need: payouts, then payments, refunds and disputes of those payments, then
 * the balance transactions that point at all of them.
 */
export class PaymentIngestService {
  private readonly repo = new PaymentRepository();
  private readonly deps = {
    repo: this.repo,
    bulk: new BulkInsertRepository(),
    recorder: new ChangeRecorder(),
  };
  private readonly payments: PaymentIngest;
  private readonly refunds = new RefundIngest(this.deps);
  private readonly disputes = new DisputeIngest(this.deps);
  readonly payouts = new PayoutIngest(this.deps);
  private readonly balance = new BalanceTxnIngest(this.repo, this.deps.bulk, this.deps.recorder);

  constructor(invoicePayments?: InvoicePaymentService) {
    this.payments = new PaymentIngest(this.repo, this.deps.bulk, this.deps.recorder, invoicePayments);
  }

  async apply(
    trx: Knex.Transaction,
    connectionId: number,
    processor: string,
    records: ProcessorRecord[],
    source: string,
  ): Promise<IngestCounts> {
    const counts: IngestCounts = { created: 0, updated: 0, unchanged: 0 };
    const of = <K extends ProcessorRecord['kind']>(k: K) =>
      records.filter((r) => r.kind === k) as Extract<ProcessorRecord, { kind: K }>[];
    // Last record per id wins inside a batch (events arrive oldest first).
    const last = <T extends { externalId: string }>(rs: T[]) => [
      ...new Map(rs.map((r) => [r.externalId, r])).values(),
    ];
    const ctx = { trx, connectionId, processor, counts, source };
    await this.payouts.apply(ctx, last(of('payout')));
    await this.payments.apply(ctx, last(of('payment')));
    await this.refunds.apply(ctx, last(of('refund')));
    await this.disputes.apply(ctx, last(of('dispute')));
    await this.balance.apply(ctx, last(of('balance_transaction')));
    return counts;
  }

  /** After a backfill: links and payout/fee carry-overs its side-by-side writers crossed. */
  async relink(trx: Knex.Transaction, connectionId: number, processor: string): Promise<IngestCounts> {
    const counts: IngestCounts = { created: 0, updated: 0, unchanged: 0 };
    await this.balance.relink({ trx, connectionId, processor, counts, source: 'backfill' });
    return counts;
  }
}
