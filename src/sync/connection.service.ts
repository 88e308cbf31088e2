import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { parseOrThrow, text } from '../app/crud/schema-kit';
import type { Db } from '../app/database';
import { Problem } from '../app/problem';
import { ConnectionRepository } from './connection.repository';
import type { ConnectorPool } from './connector-pool';
import type { Dispatcher } from './dispatcher.service';
import { SecretBox, SecretKeyError } from './secret-box';
import type { ConnectionRow } from './sync.types';

const createBody = z.strictObject({
  name: text(200),
  vendor: z.string().min(1).max(50),
  credentials: z.record(z.string(), z.unknown()).optional(),
  settings: z.record(z.string(), z.unknown()).default({}),
  status: z.enum(['active', 'paused']).default('active'),
});
const updateBody = z.strictObject({
  name: text(200).optional(),
  credentials: z.record(z.string(), z.unknown()).optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(['active', 'paused']).optional(),
});
export const connectionSchemas = { createBody, updateBody };

/** What the API shows of a connection: never the credentials, only whether there are some. */
export function presentConnection(row: ConnectionRow) {
  const { credentials_enc, ...rest } = row;
  return { ...rest, has_credentials: credentials_enc !== null };
}

/**
 * Refuses to start when stored secrets exist and LEDGERLINE_SECRET_KEY is missing or is not the
 * key they were sealed with: failing at start is clearer than every sync failing later.
 */
export async function verifySecrets(db: Db, box: SecretBox | null): Promise<void> {
  const sealed = await new ConnectionRepository().sealedSecrets(db);
  if (!sealed.length) return;
  if (!box)
    throw new SecretKeyError(
      `${sealed.length} connection(s) have encrypted credentials but LEDGERLINE_SECRET_KEY is not set; set it to the key they were encrypted with.`,
    );
  for (const s of sealed) {
    try {
      box.open(s.credentials_enc);
    } catch (e) {
      throw new SecretKeyError(`connection ${s.id}: ${(e as Error).message}`);
    }
  }
}

export class ConnectionService {
  private readonly repo = new ConnectionRepository();
  private readonly capture = new ChangeCapture();

  constructor(
    private readonly db: Knex,
    private readonly pool: ConnectorPool,
    private readonly dispatcher: Dispatcher,
    private readonly box: SecretBox | null,
  ) {}

  async list() {
    return (await this.repo.list(this.db)).map(presentConnection);
  }

  async get(id: number) {
    const row = await this.repo.get(this.db, id);
    if (!row) throw Problem.notFound('connection', id);
    return { ...presentConnection(row), health: await this.repo.health(this.db, id) };
  }

  async create(actor: Actor, body: unknown) {
    const input = parseOrThrow(createBody, body);
    const factory = this.pool.registry[input.vendor];
    if (!factory)
      throw Problem.validation([
        { field: 'vendor', message: `must be one of ${Object.keys(this.pool.registry).join(', ')}` },
      ]);
    parseOrThrow(factory.settings, input.settings, 'settings');
    const credentials_enc = this.seal(factory.credentials, input.credentials);
    return this.db.transaction(async (trx) => {
      const row = await this.repo.insert(trx, {
        name: input.name,
        vendor: input.vendor,
        status: input.status,
        settings: input.settings,
        credentials_enc,
      });
      await this.dispatcher.register(trx, row.id);
      await this.capture.audit(trx, actor, 'create', 'connection', [
        { id: row.id, version: row.version, before: null, after: presentConnection(row) },
      ]);
      return presentConnection(row);
    });
  }

  async update(actor: Actor, id: number, body: unknown) {
    const input = parseOrThrow(updateBody, body);
    return this.db.transaction(async (trx) => {
      const before = await this.repo.get(trx, id, true);
      if (!before || before.archived_at) throw Problem.notFound('connection', id);
      const factory = this.pool.factory(before.vendor);
      const patch: Partial<ConnectionRow> = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.status !== undefined) patch.status = input.status;
      if (input.settings !== undefined) {
        parseOrThrow(factory.settings, input.settings, 'settings');
        patch.settings = input.settings;
      }
      if (input.credentials !== undefined)
        patch.credentials_enc = this.seal(factory.credentials, input.credentials);
      const after = await this.repo.update(trx, id, patch);
      await this.capture.audit(trx, actor, 'update', 'connection', [
        { id, version: after.version, before: presentConnection(before), after: presentConnection(after) },
      ]);
      return presentConnection(after);
    });
  }

  async archive(actor: Actor, id: number) {
    return this.db.transaction(async (trx) => {
      const before = await this.repo.get(trx, id, true);
      if (!before) throw Problem.notFound('connection', id);
      if (before.archived_at) return presentConnection(before);
      const after = await this.repo.update(trx, id, { archived_at: new Date(), status: 'paused' });
      await this.capture.audit(trx, actor, 'archive', 'connection', [
        { id, version: after.version, before: presentConnection(before), after: presentConnection(after) },
      ]);
      return presentConnection(after);
    });
  }

  private seal(schema: z.ZodType, credentials: Record<string, unknown> | undefined): string | null {
    if (credentials === undefined) return null;
    const valid = parseOrThrow(schema, credentials, 'credentials');
    if (!this.box)
      throw new Problem(
        422,
        'secret-key-missing',
        'Credentials are stored encrypted: set LEDGERLINE_SECRET_KEY (32 bytes, base64 or hex) and restart.',
        [{ field: 'credentials', message: 'cannot be stored without LEDGERLINE_SECRET_KEY' }],
      );
    return this.box.seal(valid);
  }
}
