import type { Knex } from 'knex';
import type { Db } from '../app/database';

export interface OutboxEmail {
  idempotency_key: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  /** Rendered at send time: [{ kind: 'invoice_pdf' | 'receipt_pdf', id, filename }]. */
  attachments: Array<{ kind: 'invoice_pdf' | 'receipt_pdf'; id: number; filename: string }>;
  related_object: string;
  related_id: number;
}

export class EmailOutboxRepository {
  /** Idempotent: a second enqueue with the same key returns the first row and inserts nothing. */
  async enqueue(trx: Knex.Transaction, email: OutboxEmail, at: Date) {
    const [row] = await trx('email_outbox')
      .insert({ ...email, attachments: JSON.stringify(email.attachments), next_attempt_at: at })
      .onConflict('idempotency_key')
      .ignore()
      .returning('*');
    return {
      row: row ?? (await trx('email_outbox').where({ idempotency_key: email.idempotency_key }).first()),
      created: !!row,
    };
  }

  /** Leases due rows with SKIP LOCKED so several dispatchers (processes) never send one twice. */
  async lease(trx: Knex.Transaction, now: Date, limit: number, leaseMs: number) {
    const rows = await trx('email_outbox')
      .where((q) => {
        void q
          .where('state', 'pending')
          .orWhere((q2) => void q2.where('state', 'sending').where('lease_until', '<', now));
      })
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    if (!rows.length) return [];
    return trx('email_outbox')
      .whereIn(
        'id',
        rows.map((r: { id: number }) => r.id),
      )
      .update({
        state: 'sending',
        lease_until: new Date(now.getTime() + leaseMs),
        attempts: trx.raw('attempts + 1'),
        updated_at: now,
      })
      .returning('*');
  }

  async finish(db: Db, id: number, state: 'sent' | 'logged', messageId: string, at: Date) {
    await db('email_outbox').where({ id }).update({
      state,
      message_id: messageId,
      sent_at: at,
      lease_until: null,
      last_error: null,
      updated_at: at,
    });
  }

  async fail(db: Db, id: number, error: string, next: Date | null, at: Date) {
    await db('email_outbox')
      .where({ id })
      .update({
        state: next ? 'pending' : 'dead',
        last_error: error.slice(0, 2000),
        next_attempt_at: next ?? at,
        lease_until: null,
        updated_at: at,
      });
  }

  async list(db: Db, q: { related_object?: string; related_id?: number; state?: string; limit: number }) {
    const query = db('email_outbox').orderBy('id', 'desc').limit(q.limit);
    if (q.related_object) query.where('related_object', q.related_object);
    if (q.related_id) query.where('related_id', q.related_id);
    if (q.state) query.where('state', q.state);
    return query;
  }

  async retry(db: Db, id: number, at: Date) {
    const [row] = await db('email_outbox')
      .where({ id })
      .whereIn('state', ['dead', 'pending'])
      .update({ state: 'pending', next_attempt_at: at, attempts: 0, updated_at: at })
      .returning('*');
    return row;
  }
}
