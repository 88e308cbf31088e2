import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR } from '../app/auth/access';
import { ChangeCapture } from '../app/change-capture.repository';
import { KNEX, LOGGER } from '../app/tokens';
import { BillingSettingsService } from './billing-settings.service';
import { BILLING_CLOCK, BillingClock } from './billing.tokens';
import { InvoiceNotifier } from './invoice.notifier';
import { InvoiceRepository } from './invoice.repository';
import { InvoiceService } from './invoice.service';
import { addDays } from './invoice.types';

/**
 * The daily billing job: flags open invoices past their due date as overdue (overdue_since) with an
 * overdue email, and sends reminders N days before the due date. Safe to run any number of times
 * and from several processes: each invoice is updated under its row lock and emails are keyed.
 */
@Injectable()
export class OverdueService {
  private readonly repo = new InvoiceRepository();
  private readonly changes = new ChangeCapture();

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(BILLING_CLOCK) private readonly clock: BillingClock,
    private readonly settings: BillingSettingsService,
    private readonly notifier: InvoiceNotifier,
    private readonly invoices: InvoiceService,
  ) {}

  @Cron('0 15 1 * * *')
  async daily() {
    await this.run().catch((e: Error) => this.log.error({ err: e }, 'overdue detection failed'));
  }

  async run(today = this.invoices.today()) {
    let overdue = 0;
    let reminders = 0;
    for (;;) {
      const batch = await this.repo.newlyOverdue(this.db, today, 200);
      if (!batch.length) break;
      for (const candidate of batch) {
        await this.db.transaction(async (trx) => {
          const before = await this.repo.get(trx, candidate.id, true);
          if (!before || before.status !== 'open' || before.overdue_since || !(before.due_date < today))
            return;
          const after = await this.repo.update(trx, before.id, {
            overdue_since: addDays(before.due_date, 1),
          });
          await this.changes.record(trx, SYSTEM_ACTOR, 'invoice', 'update', [
            { id: before.id, version: after.version, before, after },
          ]);
          await this.notifier.overdue(trx, after, this.clock.now());
          overdue += 1;
        });
      }
    }
    const s = await this.settings.get();
    if (s.reminder_days_before > 0) {
      const soon = await this.repo.dueBetween(
        this.db,
        addDays(today, 1),
        addDays(today, s.reminder_days_before),
      );
      for (const invoice of soon) {
        await this.db.transaction(async (trx) => {
          const r = await this.notifier.reminder(trx, invoice, this.clock.now());
          if (r.email?.created) reminders += 1;
        });
      }
    }
    if (overdue || reminders) this.log.info({ today, overdue, reminders }, 'billing daily job');
    return { today, overdue, reminders };
  }
}
