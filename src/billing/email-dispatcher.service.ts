import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Knex } from 'knex';
import nodemailer, { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { AppConfig } from '../app/config';
import { CONFIG, KNEX, LOGGER } from '../app/tokens';
import { BillingDocumentService } from './billing-document.service';
import { BILLING_CLOCK, BillingClock } from './billing.tokens';
import { EmailOutboxRepository } from './email-outbox.repository';

const LEASE_MS = 2 * 60 * 1000;

/**
 * Sends email_outbox rows: over SMTP when SMTP_URL is set, otherwise marks them `logged` with a
 * log line (the embedded default has no mail server). Failures retry with exponential backoff
 * up to max_attempts, then the row is `dead` (retryable by hand). The Message-ID is derived from
 * the outbox id, so a resend after a crash between SMTP accept and commit is recognisable.
 */
@Injectable()
export class EmailDispatcherService implements OnModuleDestroy {
  private readonly repo = new EmailOutboxRepository();
  private transport?: Transporter;
  private running?: Promise<{ sent: number; failed: number }>;

  constructor(
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(BILLING_CLOCK) private readonly clock: BillingClock,
    private readonly documents: BillingDocumentService,
  ) {
    if (config.smtpUrl) this.transport = nodemailer.createTransport(config.smtpUrl);
  }

  @Interval(10_000)
  async tick() {
    await this.dispatch().catch((e: Error) => this.log.error({ err: e }, 'email dispatch failed'));
  }

  /** One pass over due rows; concurrent calls in one process share the pass. */
  dispatch(limit = 50): Promise<{ sent: number; failed: number }> {
    this.running ??= this.pass(limit).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(limit: number) {
    const now = this.clock.now();
    const batch = await this.db.transaction((trx) => this.repo.lease(trx, now, limit, LEASE_MS));
    let sent = 0;
    let failed = 0;
    for (const row of batch) {
      const messageId = `<outbox-${row.id}.${row.idempotency_key.replace(/[^A-Za-z0-9.-]/g, '-')}@ledgerline>`;
      try {
        if (!this.transport) {
          this.log.info(
            { email: row.id, kind: row.kind, to: row.to_address, subject: row.subject },
            'email kept in outbox (no SMTP_URL configured)',
          );
          await this.repo.finish(this.db, row.id, 'logged', messageId, this.clock.now());
        } else {
          const attachments = [];
          for (const a of row.attachments as Array<{ kind: string; id: number; filename: string }>) {
            const content =
              a.kind === 'invoice_pdf'
                ? await this.documents.invoicePdf(a.id)
                : await this.documents.receiptPdf(a.id);
            attachments.push({ filename: a.filename, content, contentType: 'application/pdf' });
          }
          await this.transport.sendMail({
            from: this.config.mailFrom,
            to: row.to_address,
            subject: row.subject,
            text: row.text_body,
            html: row.html_body,
            messageId,
            attachments,
          });
          await this.repo.finish(this.db, row.id, 'sent', messageId, this.clock.now());
        }
        sent += 1;
      } catch (e) {
        failed += 1;
        const attempts = row.attempts as number;
        const next =
          attempts >= row.max_attempts
            ? null
            : new Date(this.clock.now().getTime() + 30_000 * 2 ** (attempts - 1));
        this.log.warn({ email: row.id, attempts, err: (e as Error).message }, 'email send failed');
        await this.repo.fail(this.db, row.id, (e as Error).message, next, this.clock.now());
      }
    }
    return { sent, failed };
  }

  onModuleDestroy() {
    this.transport?.close();
  }
}
