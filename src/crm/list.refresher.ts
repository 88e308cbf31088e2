import { Inject, Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Logger } from 'pino';
import { LOGGER } from '../app/tokens';
import { LIST_SERVICE } from './list.tokens';
import type { ListService } from './list.service';

/** Keeps dynamic lists in step with changes (runs only when the scheduler is on). */
@Injectable()
export class ListRefresher {
  private running = false;
  constructor(
    @Inject(LIST_SERVICE) private readonly lists: ListService,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @Interval(10_000)
  async tick() {
    if (this.running) return;
    this.running = true;
    try {
      await this.lists.refreshStale();
    } catch (err) {
      this.log.error({ err }, 'dynamic list refresh failed');
    } finally {
      this.running = false;
    }
  }
}
