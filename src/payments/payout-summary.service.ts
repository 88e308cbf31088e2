import type { Knex } from 'knex';
import { formatMoney } from '../billing/currency';
import { EmailOutboxRepository } from '../billing/email-outbox.repository';
import type { Clock } from '../app/clock';

/**
 * The daily payout summary to finance: each payout initiated that day with its composition
 * (gross, fees, refunds, chargebacks, net). Queued in billing's email outbox with a key per day and
 * recipient, so it is sent once (over SMTP by billing's dispatcher, nodemailer).
 */
export class PayoutSummaryService {
  private readonly outbox = new EmailOutboxRepository();

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly to: string | undefined,
  ) {}

  get recipient() {
    return this.to;
  }

  /** Yesterday's (UTC) summary, once; called hourly. */
  async sendDue() {
    if (!this.to) return null;
    const yesterday = new Date(this.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    return this.send(yesterday, this.to);
  }

  async send(date: string, to: string) {
    const payouts = await this.db('payouts')
      .where('initiated_at', '>=', `${date}T00:00:00Z`)
      .andWhere('initiated_at', '<', this.db.raw(`?::timestamptz + interval '1 day'`, [`${date}T00:00:00Z`]))
      .orderBy('id');
    const line = (p: Record<string, any>) => {
      const m = (v: number | null) => formatMoney(Number(v ?? 0), p.currency);
      return `${p.processor_id} ${m(p.amount_minor)} (${p.status}, arrives ${p.arrival_date ?? '?'}): gross ${m(p.gross_minor)}, fees ${m(-Number(p.fees_minor ?? 0))}, refunds ${m(p.refunds_minor)}, chargebacks ${m(p.chargebacks_minor)}, net ${m(p.net_minor)}`;
    };
    const lines = payouts.length ? payouts.map(line) : ['No payouts were initiated on this day.'];
    const text = `Payouts of ${date}\n\n${lines.join('\n')}\n`;
    const html = `<h1>Payouts of ${date}</h1><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
    return this.db.transaction(async (trx) => {
      const { row, created } = await this.outbox.enqueue(
        trx,
        {
          idempotency_key: `payout-summary:${date}:${to}`,
          kind: 'payout_summary',
          to_address: to,
          subject: `Payout summary ${date}: ${payouts.length} payout(s)`,
          text_body: text,
          html_body: html,
          attachments: [],
          related_object: 'payout_summary',
          related_id: Number(date.replace(/-/g, '')),
        },
        this.clock.now(),
      );
      if (created && payouts.length)
        await trx('payouts')
          .whereIn(
            'id',
            payouts.map((p) => p.id),
          )
          .update({ summary_sent_at: trx.fn.now() });
      return { email_id: row.id, created, payouts: payouts.length };
    });
  }
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
