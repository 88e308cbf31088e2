import type { Knex } from 'knex';
import { z } from 'zod';
import { defaultMapping, mappingSchema } from '../../mappings';
import { fieldRule } from '../../mappings/mapping.schema';
import type { Actor } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { parseOrThrow } from '../app/crud/schema-kit';
import { type FieldError, Problem } from '../app/problem';
import { ConnectionRepository } from './connection.repository';
import type { ConnectorPool } from './connector-pool';
import { SYNC_OBJECTS } from './sync.types';

const putBody = z.strictObject({ fields: z.array(fieldRule).min(1).max(200) });
export const mappingSchemas = { putBody };

/**
 * Per-connection mapping overrides: each save is a new version (history kept) validated by the
 * mapping schema and against the canonical table's columns, and bumps the connection's version so
 * every worker reloads it. Without an override the default mapping file applies.
 */
export class MappingService {
  private readonly connections = new ConnectionRepository();
  private readonly capture = new ChangeCapture();

  constructor(
    private readonly db: Knex,
    private readonly pool: ConnectorPool,
  ) {}

  async list(connectionId: number) {
    const connection = await this.connections.get(this.db, connectionId);
    if (!connection) throw Problem.notFound('connection', connectionId);
    const out = [];
    for (const object of this.pool.pushObjects(connection.vendor)) {
      const override = await this.connections.latestMapping(this.db, connectionId, object, 'outbound');
      out.push(
        override
          ? { object, source: 'override', mapping: override.rules }
          : {
              object,
              source: 'default',
              mapping: defaultMapping(connection.vendor, object, 'outbound') ?? null,
            },
      );
    }
    return { results: out };
  }

  async put(actor: Actor, connectionId: number, object: string, body: unknown) {
    const input = parseOrThrow(putBody, body);
    return this.db.transaction(async (trx) => {
      const connection = await this.connections.get(trx, connectionId, true);
      if (!connection || connection.archived_at) throw Problem.notFound('connection', connectionId);
      const base = defaultMapping(connection.vendor, object, 'outbound');
      if (!base || !SYNC_OBJECTS[object])
        throw Problem.validation([
          {
            field: 'object',
            message: `${connection.vendor} pushes ${this.pool.pushObjects(connection.vendor).join(', ')}`,
          },
        ]);
      const columns = Object.keys(await trx(SYNC_OBJECTS[object].table).columnInfo());
      const errors: FieldError[] = [];
      input.fields.forEach((f, i) => {
        for (const col of [f.from ?? []].flat())
          if (col !== '$id' && !columns.includes(col))
            errors.push({ field: `fields.${i}.from`, message: `${object} has no field ${col}` });
      });
      if (errors.length) throw Problem.validation(errors);
      const previous = await this.connections.latestMapping(trx, connectionId, object, 'outbound');
      const mapping = mappingSchema.parse({
        ...base,
        version: (previous?.version ?? 0) + 1,
        fields: input.fields,
      });
      await trx('mappings').insert({
        connection_id: connectionId,
        object,
        direction: 'outbound',
        version: mapping.version,
        rules: JSON.stringify(mapping),
      });
      await this.connections.update(trx, connectionId, {});
      await this.capture.audit(trx, actor, 'update', 'mapping', [
        { id: connectionId, before: previous?.rules ?? null, after: mapping },
      ]);
      return { object, source: 'override', mapping };
    });
  }
}
