import type { PushItem, PushOp } from '../../connectors/connector';
import { VendorError } from '../../connectors/connector';
import type { Db } from '../app/database';
import type { ConnectionContext } from './connector-pool';
import { contentHash, idempotencyKey } from './hash';
import { LinkRepository } from './link.repository';
import { decidePush } from './push.decision';
import { SYNC_OBJECTS, type LinkRow, type Outcome, type SyncHooks } from './sync.types';

export interface PushOutcome {
  outcome: Outcome;
  externalId?: string;
  error?: VendorError;
}

const noHooks: SyncHooks = { at: async () => undefined };

/**
 * Pushes one canonical record to one connection, exactly once at the vendor:
 * 1. create: the pending link (with the request and its deterministic key) is committed first,
 *    then the vendor is called with that key, then the link is marked linked with the content hash;
 * 2. a pending link found later (crash anywhere in that window, or a concurrent worker) is healed:
 *    look the record up by our reference; if absent, replay the stored request with the stored key
 *    (the vendor answers with the record it already made, if any);
 * 3. linked: skip when the mapped payload's hash equals the link's (zero write calls), else update.
 * Every statement autocommits on purpose: nothing is held open across a vendor call.
 */
export class PushService {
  private readonly links = new LinkRepository();

  constructor(
    private readonly db: Db,
    private readonly hooks: SyncHooks = noHooks,
  ) {}

  async loadRecord(object: string, id: number): Promise<Record<string, unknown> | undefined> {
    const spec = SYNC_OBJECTS[object];
    if (!spec) throw new VendorError('invalid', `object ${object} cannot be pushed`, 'unsupported_object');
    return this.db(spec.table).where({ id }).first();
  }

  async push(ctx: ConnectionContext, object: string, localId: number): Promise<PushOutcome> {
    const mapping = ctx.mappings.get(object);
    if (!mapping)
      throw new VendorError(
        'invalid',
        `${ctx.connection.vendor} has no outbound mapping for ${object}`,
        'unmapped',
      );
    const record = await this.loadRecord(object, localId);
    let link = await this.links.get(this.db, ctx.connection.id, object, localId);
    const decision = decidePush(mapping, record, link);
    const version = Number(record?.version ?? 0);
    const info = { object, localId };

    switch (decision.action) {
      case 'skip':
      case 'unchanged':
        return {
          outcome: decision.action === 'skip' ? 'skipped' : 'unchanged',
          externalId: link?.external_id ?? undefined,
        };
      case 'invalid':
        throw new VendorError(
          'invalid',
          decision.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
          'validation',
        );
      case 'create': {
        const key = idempotencyKey({
          connectionId: ctx.connection.id,
          object,
          localId,
          version,
          // The payload's hash too: after a rejected create, a corrected mapping of the same record
          // version must not meet the vendor's stored answer for the old request.
          op: `create-${decision.hash.slice(0, 12)}`,
        });
        link = await this.links.insertPending(this.db, {
          connectionId: ctx.connection.id,
          object,
          localId,
          key,
          payload: decision.payload,
          localVersion: version,
        });
        // Lost a race with another writer of the same link: heal from the row it committed.
        if (!link) return this.push(ctx, object, localId);
        await this.hooks.at('pending-committed', info);
        const linked = await this.healOrCreate(ctx, link, false);
        return { outcome: 'created', externalId: linked.external_id ?? undefined };
      }
      case 'heal': {
        const healed = await this.healOrCreate(ctx, link!, true);
        // The healed record holds the pending payload; bring it to the current state if that differs.
        const after = await this.push(ctx, object, localId);
        return {
          outcome: after.outcome === 'updated' || after.outcome === 'unchanged' ? 'created' : after.outcome,
          externalId: healed.external_id ?? undefined,
        };
      }
      case 'update':
      case 'archive': {
        const op: PushOp = decision.action;
        const key = idempotencyKey({
          connectionId: ctx.connection.id,
          object,
          localId,
          version,
          op: `${op}-${decision.hash.slice(0, 12)}`,
        });
        const result = await this.call(ctx, object, {
          op,
          reference: { object, localId },
          externalId: link!.external_id!,
          payload: decision.payload,
          idempotencyKey: key,
        });
        await this.links.setHash(this.db, link!.id, {
          hash: decision.hash,
          localVersion: version,
          externalVersion: result.externalVersion,
        });
        return { outcome: 'updated', externalId: link!.external_id! };
      }
    }
  }

  /** Completes a pending link: found by reference, or created by replaying its stored request. */
  private async healOrCreate(ctx: ConnectionContext, link: LinkRow, lookup: boolean): Promise<LinkRow> {
    const payload = link.pending_payload ?? {};
    const reference = { object: link.object, localId: link.local_id };
    // A link we just wrote cannot have a vendor record yet; only an older pending link is looked up.
    let found = lookup
      ? await ctx.limiter.run(() => ctx.connector.findByReference(link.object, reference, payload))
      : null;
    if (!found) {
      await this.hooks.at('vendor-call', { object: link.object, localId: link.local_id });
      try {
        found = await this.call(ctx, link.object, {
          op: 'create',
          reference,
          payload,
          idempotencyKey: link.pending_key!,
        });
      } catch (err) {
        // A definitive rejection (4xx) created nothing, and the vendor would replay that rejection
        // for this key forever: drop the pending link so a corrected record is created afresh.
        if (err instanceof VendorError && err.kind === 'invalid')
          await this.links.deletePending(this.db, link.id);
        throw err;
      }
      await this.hooks.at('vendor-returned', { object: link.object, localId: link.local_id });
    }
    const linked = await this.links.markLinked(this.db, link.id, {
      externalId: found.externalId,
      externalVersion: found.externalVersion,
      hash: contentHash(payload),
      localVersion: link.local_version ?? 0,
    });
    await this.hooks.at('linked', { object: link.object, localId: link.local_id });
    return linked;
  }

  private async call(ctx: ConnectionContext, object: string, item: PushItem) {
    return ctx.limiter.run(async () => {
      const [result] = await ctx.connector.push(object, [item]);
      if (!result.ok) throw result.error;
      return result;
    });
  }
}
