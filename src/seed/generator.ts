import type { Knex } from 'knex';
import type { Logger } from 'pino';

export interface SeedContext {
  db: Knex;
  log: Logger;
  profile: 'demo' | 'bench';
  /** Size multiplier: 1 is the profile's base size. */
  scale: number;
  /** Seed of the deterministic random stream. */
  seed: number;
}

/**
 * Each module contributes its generator to src/seed/registry.ts. Generators run in `order`
 * (CRM before billing before payments) and write in bulk through repositories, not over HTTP.
 */
export interface SeedGenerator {
  name: string;
  order: number;
  run(ctx: SeedContext): Promise<Record<string, number>>;
}
