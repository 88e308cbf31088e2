import { Inject, Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { purgeIdempotencyKeys } from './idempotency';
import { KNEX, LOGGER } from './tokens';

@Injectable()
export class HousekeepingService {
  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Interval(15 * 60 * 1000)
  async purge() {
    const n = await purgeIdempotencyKeys(this.db);
    if (n) this.log.info({ purged: n }, 'expired idempotency keys purged');
  }
}
