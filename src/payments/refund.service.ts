import type { Knex } from 'knex';
import { VendorError } from '../../connectors/connector';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { Problem } from '../app/problem';
import { ConnectionRepository } from '../sync/connection.repository';
import type { SyncEngine } from '../sync/sync.engine';
import { PaymentRepository, type Row } from './payment.repository';
import { paymentsOf } from './payment-source.port';
import type { CreateRefund } from './payment.types';

const REFUNDABLE = new Set(['succeeded', 'partially_refunded']);

/**
 * Refunds from the payment record: through the processor for processor payments (with a key
 * derived from the payment and what was already refunded, so a retried request refunds once),
 * recorded directly for manual ones. Everything is checked before any money moves: a refund
 * above what is left, of a payment that did not succeed, or in another currency is a 4xx and
 * changes nothing.
 */
export class RefundService {
  private readonly repo = new PaymentRepository();
  private readonly capture = new ChangeCapture();

  constructor(
    private readonly db: Knex,
    private readonly engine: SyncEngine,
  ) {}

  private check(p: Row | undefined, paymentId: number, body: CreateRefund) {
    if (!p || p.archived_at) throw Problem.notFound('payment', paymentId);
    if (!REFUNDABLE.has(p.status))
      throw Problem.conflict(`payment ${paymentId} is ${p.status} and cannot be refunded.`, [
        { field: 'payment_id', message: `is ${p.status}; only succeeded payments can be refunded` },
      ]);
    if (body.currency && body.currency !== p.currency)
      throw Problem.validation([
        { field: 'currency', message: `is ${body.currency}; the payment is in ${p.currency}` },
      ]);
    const left = p.amount_minor - p.amount_refunded_minor - p.amount_disputed_minor;
    const amount = body.amount_minor ?? left;
    if (left <= 0 || amount > left)
      throw Problem.validation([
        { field: 'amount_minor', message: `exceeds the refundable amount ${left} ${p.currency}` },
      ]);
    return amount;
  }

  async create(actor: Actor, paymentId: number, body: CreateRefund) {
    const p = await this.repo.payment(this.db, paymentId);
    const amount = this.check(p, paymentId, body);
    if (!p!.processor) return this.record(actor, paymentId, body, amount, null);
    const connection = p!.connection_id
      ? await new ConnectionRepository().get(this.db, p!.connection_id)
      : undefined;
    if (!connection)
      throw Problem.conflict(`payment ${paymentId} has no processor connection to refund through.`);
    const ctx = await this.engine.pool.context(this.db, connection);
    const processor = paymentsOf(ctx.connector)?.processor;
    if (!processor) throw Problem.conflict(`connection ${connection.id} cannot refund payments.`);
    let result;
    try {
      result = await ctx.limiter.run(() =>
        processor.refund({
          paymentId: p!.processor_id,
          amountMinor: amount,
          reason: body.reason,
          idempotencyKey: `ledgerline:refund:${p!.id}:${p!.amount_refunded_minor}:${amount}`,
        }),
      );
    } catch (err) {
      if (err instanceof VendorError && !err.retryable)
        throw Problem.validation([
          { field: 'amount_minor', message: `the processor refused: ${err.message}` },
        ]);
      throw new Problem(
        502,
        'processor-unavailable',
        `The processor did not answer: ${(err as Error).message}`,
      );
    }
    return this.record(actor, paymentId, body, amount, {
      processor: p!.processor,
      id: result.refundId,
      status: result.status,
      connectionId: connection.id,
    });
  }

  private async record(
    actor: Actor,
    paymentId: number,
    body: CreateRefund,
    amount: number,
    via: { processor: string; id: string; status: string; connectionId: number } | null,
  ) {
    return this.db.transaction(async (trx) => {
      const p = await this.repo.payment(trx, paymentId, true);
      if (via) {
        // The pull may already have mirrored this refund: then it is simply returned.
        const seen = await this.repo.byProcessorIds(trx, 'refunds', via.processor, [via.id]);
        if (seen.has(via.id)) return seen.get(via.id);
      } else this.check(p, paymentId, body);
      const [refund] = await this.repo.insert(trx, 'refunds', [
        {
          payment_id: paymentId,
          connection_id: via?.connectionId ?? null,
          amount_minor: amount,
          currency: p!.currency,
          status: via?.status ?? 'succeeded',
          reason: body.reason ?? null,
          processor: via?.processor ?? null,
          processor_id: via?.id ?? null,
          refunded_at: new Date(),
        },
      ]);
      const refunded = p!.amount_refunded_minor + amount;
      const status = refunded >= p!.amount_minor ? 'refunded' : 'partially_refunded';
      const after = await this.repo.update(trx, 'payments', paymentId, {
        amount_refunded_minor: refunded,
        status,
      });
      if (status !== p!.status)
        await this.repo.history(trx, [
          { payment_id: paymentId, from_status: p!.status, status, at: new Date(), source: 'api' },
        ]);
      await this.capture.record(trx, actor, 'refund', 'create', [
        { id: refund.id, version: 1, before: null, after: refund },
      ]);
      await this.capture.record(trx, actor, 'payment', 'update', [
        { id: paymentId, version: after.version, before: p, after },
      ]);
      return refund;
    });
  }
}
