import type { Knex } from 'knex';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { Problem } from '../app/problem';
import { isCurrency } from '../billing/currency';
import { PaymentRepository } from './payment.repository';
import type { ManualPayment } from './payment.types';

/** Payment records: manual payments and the detail view (history, refunds, disputes, lines). */
export class PaymentService {
  private readonly repo = new PaymentRepository();
  private readonly capture = new ChangeCapture();

  constructor(private readonly db: Knex) {}

  async createManual(actor: Actor, body: ManualPayment) {
    if (!isCurrency(body.currency))
      throw Problem.validation([{ field: 'currency', message: 'is not an ISO 4217 currency' }]);
    return this.db.transaction(async (trx) => {
      for (const [field, table] of [
        ['contact_id', 'contacts'],
        ['company_id', 'companies'],
        ['subscription_id', 'subscriptions'],
      ] as const) {
        const v = body[field];
        if (v !== undefined && !(await trx(table).where({ id: v }).first('id')))
          throw Problem.validation([{ field, message: `no ${table.slice(0, -1)} ${v}` }]);
      }
      const [p] = await this.repo.insert(trx, 'payments', [
        {
          amount_minor: body.amount_minor,
          currency: body.currency,
          method: body.method,
          method_detail: body.detail ?? null,
          status: 'succeeded',
          fee_minor: 0,
          net_minor: body.amount_minor,
          paid_on: body.paid_on,
          paid_at: new Date(`${body.paid_on}T12:00:00Z`),
          contact_id: body.contact_id ?? null,
          company_id: body.company_id ?? null,
          subscription_id: body.subscription_id ?? null,
          reference: body.reference ?? null,
          description: body.description ?? null,
        },
      ]);
      await this.repo.history(trx, [
        { payment_id: p.id, from_status: null, status: 'succeeded', at: new Date(), source: 'api' },
      ]);
      await this.capture.record(trx, actor, 'payment', 'create', [
        { id: p.id, version: p.version, before: null, after: p },
      ]);
      return p;
    });
  }

  async get(id: number) {
    const p = await this.repo.payment(this.db, id);
    if (!p) throw Problem.notFound('payment', id);
    const [history, refunds, disputes, lines] = [
      await this.repo.statusHistory(this.db, id),
      await this.db('refunds').where({ payment_id: id }).orderBy('id'),
      await this.db('disputes').where({ payment_id: id }).orderBy('id'),
      // A payment's line items are its invoice's.
      p.invoice_id
        ? await this.db('line_items')
            .where({ owner_type: 'invoice', owner_id: p.invoice_id })
            .orderBy('position')
        : [],
    ];
    return { ...p, status_history: history, refunds, disputes, line_items: lines };
  }

  async payout(id: number) {
    const po = await this.db('payouts').where({ id }).first();
    if (!po) throw Problem.notFound('payout', id);
    return { ...po, transactions: await this.repo.payoutTransactions(this.db, id) };
  }
}
