import type { Knex } from 'knex';
import { VendorError } from '../../connectors/connector';
import { Problem } from '../app/problem';
import { ConnectionRepository } from '../sync/connection.repository';
import type { SyncEngine } from '../sync/sync.engine';
import type { PaymentPullService } from './payment-pull.service';

/**
 * Receives a vendor webhook: verifies its signature and timestamp tolerance with the connection's
 * secret, stores the event once (webhook_events is unique on vendor + event id) and wakes the
 * pull. Nothing is applied from the webhook body itself: the pull reads events in the vendor's
 * order, so duplicated, replayed or reordered deliveries change nothing.
 */
export class WebhookService {
  constructor(
    private readonly db: Knex,
    private readonly engine: SyncEngine,
    private readonly pull: PaymentPullService,
  ) {}

  async receive(
    vendor: string,
    raw: string | undefined,
    headers: Record<string, string | string[] | undefined>,
  ) {
    if (!raw) throw Problem.validation([{ field: 'body', message: 'is empty' }]);
    const connections = (await new ConnectionRepository().listActive(this.db)).filter(
      (c) => c.vendor === vendor,
    );
    let failure = 'no active connection for this vendor';
    for (const connection of connections) {
      const ctx = await this.engine.pool.context(this.db, connection);
      if (!ctx.connector.verifyWebhook) continue;
      let event;
      try {
        event = ctx.connector.verifyWebhook(raw, headers);
      } catch (err) {
        if (!(err instanceof VendorError) || err.kind !== 'signature') throw err;
        failure = err.message;
        continue;
      }
      const inserted = await this.db('webhook_events')
        .insert({
          vendor,
          event_id: event.id,
          connection_id: connection.id,
          type: event.type,
          payload: JSON.stringify(event.payload),
        })
        .onConflict(['vendor', 'event_id'])
        .ignore()
        .returning('id');
      this.pull.wake(connection.id);
      return { received: true, event_id: event.id, duplicate: inserted.length === 0 };
    }
    throw new Problem(400, 'webhook-signature', `The webhook could not be verified: ${failure}`, [
      { field: 'stripe-signature', message: failure },
    ]);
  }
}
