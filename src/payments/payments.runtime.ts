import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Interval } from '@nestjs/schedule';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AppConfig } from '../app/config';
import { CONFIG, KNEX, LOGGER } from '../app/tokens';
import type {
  ChargeInput,
  CheckoutInput,
  EnsureCustomerInput,
  PaymentProcessor,
  RefundInput,
} from './payment-processor.port';
import { PaymentProcessorRegistry } from './payment-processor.port';
import { ConnectionRepository } from '../sync/connection.repository';
import { SyncEngine } from '../sync/sync.engine';
import { PaymentPullService } from './payment-pull.service';
import { paymentsOf } from './payment-source.port';
import { PayoutSummaryService } from './payout-summary.service';
import { captureRawBodies } from './raw-body.hook';
import { seedDemoPayments, startStripeRuntime, type StripeRuntime } from '../sandbox-runtime/stripe-sandbox';

/**
 * The processor billing sees: resolved per call to the first active Stripe connection, so a
 * connection created, re-keyed or moved (sandbox port) after start is used without a restart.
 */
class ConnectionProcessor implements PaymentProcessor {
  readonly name = 'stripe';
  constructor(private readonly resolve: () => Promise<PaymentProcessor>) {}
  async ensureCustomer(i: EnsureCustomerInput) {
    return (await this.resolve()).ensureCustomer(i);
  }
  async createCheckout(i: CheckoutInput) {
    return (await this.resolve()).createCheckout(i);
  }
  async chargeSavedMethod(i: ChargeInput) {
    return (await this.resolve()).chargeSavedMethod(i);
  }
  async refund(i: RefundInput) {
    return (await this.resolve()).refund(i);
  }
  async readPayment(id: string) {
    return (await this.resolve()).readPayment(id);
  }
  async isAvailable() {
    return this.resolve().then(
      () => true,
      () => false,
    );
  }
}

/** Start-up wiring of the payments module: raw webhook bodies, processor registration, schedules. */
@Injectable()
export class PaymentsRuntime implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private busy = false;
  private stopping = false;
  private stripe: StripeRuntime | null = null;

  constructor(
    private readonly adapter: HttpAdapterHost,
    @Inject(KNEX) private readonly db: Knex,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SyncEngine) private readonly engine: SyncEngine,
    private readonly registry: PaymentProcessorRegistry,
    private readonly pulls: PaymentPullService,
    private readonly summaries: PayoutSummaryService,
  ) {}

  onModuleInit() {
    captureRawBodies(this.adapter.httpAdapter.getInstance());
  }

  async onApplicationBootstrap() {
    this.registry.register(new ConnectionProcessor(() => this.processor()));
    this.stripe = await startStripeRuntime(this.db, this.engine, this.config, this.log);
    const rt = this.stripe;
    // Demo history is generated behind the listening service (start stays fast).
    if (rt?.emulator)
      setTimeout(() => {
        if (this.stopping) return;
        seedDemoPayments(this.db, rt, (id, o) => this.pulls.pull(id, o), this.log, {
          stopped: () => this.stopping,
        }).catch((err) => {
          if (!this.stopping) this.log.warn({ err }, 'demo payments failed');
        });
      }, 1000).unref();
  }

  async processor(): Promise<PaymentProcessor> {
    const all = await new ConnectionRepository().listActive(this.db);
    for (const c of all.filter((x) => x.vendor === 'stripe')) {
      const p = paymentsOf((await this.engine.pool.context(this.db, c)).connector);
      if (p) return p.processor;
    }
    throw new Error('no active Stripe connection: online payment is unavailable');
  }

  /** Catches anything a lost webhook would have announced. */
  @Interval(60_000)
  async pullAll() {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const c of await new ConnectionRepository().listActive(this.db)) {
        if (c.vendor === 'stripe') await this.pulls.pull(c.id);
      }
    } catch (err) {
      this.log.warn({ err }, 'scheduled payments pull failed');
    } finally {
      this.busy = false;
    }
  }

  @Interval(3_600_000)
  async dailySummary() {
    await this.summaries.sendDue().catch((err) => this.log.warn({ err }, 'payout summary failed'));
  }

  /**
   * Before the HTTP server closes: the sandbox emulator keeps delivering webhooks to this service
   * over keep-alive connections, which would hold the server's close open past the shutdown
   * timeout. Pulls stop at their next vendor call.
   */
  async beforeApplicationShutdown() {
    this.stopping = true;
    await this.pulls.stop();
    await this.stripe?.emulator?.close();
  }
}
