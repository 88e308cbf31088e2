import type { Connector, ConnectorFactory } from '../../connectors/connector';
import { defaultMapping, type Mapping, mappingSchema } from '../../mappings';
import type { Clock } from '../app/clock';
import type { Db } from '../app/database';
import { ConnectionRepository } from './connection.repository';
import { RateLimiter } from './rate-limiter';
import type { SecretBox } from './secret-box';
import type { ConnectionRow } from './sync.types';

export interface ConnectionContext {
  connection: ConnectionRow;
  connector: Connector;
  limiter: RateLimiter;
  mappings: Map<string, Mapping>;
}

export class ConnectionOptionsError extends Error {}

/**
 * Builds (and caches per connection version) the connector, its rate limiter and its mappings.
 * Credentials are decrypted here and nowhere else; connectors never see the database.
 */
export class ConnectorPool {
  private readonly cache = new Map<number, ConnectionContext>();
  private readonly connections = new ConnectionRepository();

  constructor(
    readonly registry: Record<string, ConnectorFactory>,
    private readonly box: SecretBox | null,
    private readonly clock: Clock,
  ) {}

  factory(vendor: string): ConnectorFactory {
    const f = this.registry[vendor];
    if (!f) throw new ConnectionOptionsError(`no connector is registered for vendor "${vendor}"`);
    return f;
  }

  async context(db: Db, connection: ConnectionRow): Promise<ConnectionContext> {
    const cached = this.cache.get(connection.id);
    if (cached && cached.connection.version === connection.version) return cached;
    if (cached) await cached.connector.close?.();
    const factory = this.factory(connection.vendor);
    let credentials: unknown = undefined;
    if (connection.credentials_enc) {
      if (!this.box)
        throw new ConnectionOptionsError(
          'LEDGERLINE_SECRET_KEY is not set: connection secrets cannot be read',
        );
      credentials = this.box.open(connection.credentials_enc);
    }
    const creds = factory.credentials.safeParse(credentials);
    const settings = factory.settings.safeParse(connection.settings ?? {});
    if (!creds.success || !settings.success)
      throw new ConnectionOptionsError(
        `connection ${connection.id} (${connection.vendor}) has invalid ${!creds.success ? 'credentials' : 'settings'}: ${(!creds.success
          ? creds.error
          : settings.error
        )?.issues
          .map((i) => `${i.path.join('.')} ${i.message}`)
          .join('; ')}`,
      );
    const connector = factory.create({ credentials: creds.data, settings: settings.data, clock: this.clock });
    const mappings = new Map<string, Mapping>();
    for (const cap of factory.capabilities.filter((c) => c.directions.includes('push'))) {
      const override = await this.connections.latestMapping(db, connection.id, cap.object, 'outbound');
      const mapping = override
        ? mappingSchema.parse(override.rules)
        : defaultMapping(connection.vendor, cap.object, 'outbound');
      if (mapping) mappings.set(cap.object, mapping);
    }
    const ctx = { connection, connector, limiter: new RateLimiter(connector.rateLimit), mappings };
    this.cache.set(connection.id, ctx);
    return ctx;
  }

  pushObjects(vendor: string): string[] {
    return this.factory(vendor)
      .capabilities.filter((c) => c.directions.includes('push'))
      .map((c) => c.object);
  }

  async close() {
    for (const ctx of this.cache.values()) {
      await ctx.limiter.idle();
      await ctx.connector.close?.();
    }
    this.cache.clear();
  }
}
