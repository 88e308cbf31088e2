import type { Knex } from 'knex';
import type { Actor } from './auth/access';

export type ChangeOp = 'create' | 'update' | 'archive' | 'restore' | 'delete';

export interface Change {
  id: number;
  version?: number;
  before: unknown;
  after: unknown;
}

/**
 * Writes the audit trail and the sync outbox for canonical changes, always inside the caller's
 * transaction so a change and its capture commit or roll back together.
 */
export class ChangeCapture {
  async audit(trx: Knex.Transaction, actor: Actor | null, action: string, object: string, changes: Change[]) {
    if (!changes.length) return;
    await trx('audit_log').insert(
      changes.map((c) => ({
        actor_key_id: actor?.keyId ?? null,
        actor_role: actor?.role ?? 'system',
        action,
        object,
        object_id: c.id,
        before: c.before === null ? null : JSON.stringify(c.before),
        after: c.after === null ? null : JSON.stringify(c.after),
      })),
    );
  }

  async outbox(trx: Knex.Transaction, object: string, op: ChangeOp, changes: Change[]) {
    if (!changes.length) return;
    await trx('sync_outbox').insert(
      changes.map((c) => ({ object, object_id: c.id, version: c.version ?? 1, op })),
    );
  }

  /** Audit + outbox for a canonical object. */
  async record(trx: Knex.Transaction, actor: Actor | null, object: string, op: ChangeOp, changes: Change[]) {
    await this.audit(trx, actor, op, object, changes);
    await this.outbox(trx, object, op, changes);
  }
}
