import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../app/tokens';
import { ConnectionRepository } from './connection.repository';
import { SyncEngine } from './sync.engine';

/**
 * The scheduled side of the engine (inert unless ScheduleModule is loaded, as in tests):
 * every few seconds a round (dispatch → work → run counts); once a day a full push run per active
 * connection, which costs no writes when nothing changed (hashes match).
 */
@Injectable()
export class SyncScheduler implements OnApplicationShutdown {
  private busy = false;

  constructor(
    @Inject(SyncEngine) private readonly engine: SyncEngine,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Interval(5000)
  async round() {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.engine.round();
    } catch (err) {
      this.log.error({ err }, 'sync round failed');
    } finally {
      this.busy = false;
    }
  }

  @Interval(24 * 3600 * 1000)
  async daily() {
    try {
      for (const c of await new ConnectionRepository().listActive(this.engine.opts.db)) {
        await this.engine.runs.start({ connectionId: c.id, trigger: 'schedule' });
      }
      await this.engine.dispatcher.prune();
    } catch (err) {
      this.log.error({ err }, 'scheduled sync runs failed');
    }
  }

  async onApplicationShutdown() {
    await this.engine.close();
  }
}
