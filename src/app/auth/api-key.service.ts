import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../tokens';
import { Problem } from '../problem';
import { ChangeCapture } from '../change-capture.repository';
import type { Actor, Role } from './access';
import { ApiKeyRepository } from './api-key.repository';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  return `ll_${randomBytes(24).toString('base64url')}`;
}

const CACHE_MS = 5000;

@Injectable()
export class ApiKeyService {
  private readonly repo = new ApiKeyRepository();
  private readonly changes = new ChangeCapture();
  // Short-lived cache so authentication is not a query per request; revocation clears it.
  private readonly cache = new Map<string, { actor: Actor | null; until: number }>();

  constructor(@Inject(KNEX) private readonly db: Knex) {}

  async authenticate(key: string): Promise<Actor | null> {
    const hash = hashKey(key);
    const hit = this.cache.get(hash);
    if (hit && hit.until > Date.now()) return hit.actor;
    const row = await this.repo.findActiveByHash(this.db, hash);
    const actor: Actor | null = row ? { keyId: row.id, role: row.role, name: row.name } : null;
    if (row) await this.repo.touch(this.db, row.id);
    if (this.cache.size > 10000) this.cache.clear();
    this.cache.set(hash, { actor, until: Date.now() + CACHE_MS });
    return actor;
  }

  /** First start: make sure an admin key exists. Returns the key when one was generated. */
  async ensureAdminKey(fromEnv?: string): Promise<{ generated?: string; created: boolean }> {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [4242001]);
      if (fromEnv) {
        // An explicit key is always honoured, so automation can rely on it across restarts.
        if (await this.repo.findActiveByHash(trx, hashKey(fromEnv))) return { created: false };
        await this.insert(trx, 'admin (LEDGERLINE_ADMIN_KEY)', 'admin', fromEnv, null);
        return { created: true };
      }
      if ((await this.repo.count(trx)) > 0) return { created: false };
      const key = generateKey();
      await this.insert(trx, 'initial admin', 'admin', key, null);
      return { generated: key, created: true };
    });
  }

  async create(actor: Actor, name: string, role: Role) {
    const key = generateKey();
    const row = await this.db.transaction((trx) => this.insert(trx, name, role, key, actor));
    return { ...row, key };
  }

  private async insert(trx: Knex.Transaction, name: string, role: Role, key: string, actor: Actor | null) {
    const row = await this.repo.insert(trx, { name, role, prefix: key.slice(0, 7), key_hash: hashKey(key) });
    await this.changes.audit(trx, actor, 'create', 'api_key', [{ id: row.id, before: null, after: row }]);
    return row;
  }

  list() {
    return this.repo.list(this.db);
  }

  async revoke(actor: Actor, id: number) {
    return this.db.transaction(async (trx) => {
      const before = await this.repo.get(trx, id);
      if (!before || before.archived_at) throw Problem.notFound('api_key', id);
      if (actor.keyId === id) throw Problem.conflict('An API key cannot revoke itself.');
      const after = await this.repo.revoke(trx, id);
      await this.changes.audit(trx, actor, 'archive', 'api_key', [{ id, before, after }]);
      this.cache.clear();
      return after;
    });
  }
}
