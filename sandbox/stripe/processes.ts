/**
 * Time-based processes run by control.tick()/advance() at the emulator clock: ACH debits settle
 * (or fail, per test account number) four business days after confirmation, balance funds become
 * available, and the daily automatic payout runs at each midnight UTC.
 */
import type { EmulatorContext } from './stripe.context';
import { bookCapture } from './charges.engine';
import { midnight, runDailyPayouts } from './ledger';
import { setStatus } from './payment-intent.flow';
import { expireSession } from './resources/checkout.resource';
import type { StripeObject } from './stripe.types';
import { EVENT_RETENTION_SEC } from './resources/events.resource';

export class Processes {
  private lastPayoutRun: number;

  constructor(private readonly ctx: EmulatorContext) {
    this.lastPayoutRun = midnight(ctx.nowSec());
  }

  reset(): void {
    this.lastPayoutRun = midnight(this.ctx.nowSec());
  }

  run(): void {
    this.purgeOldEvents();
    this.settleAch();
    this.expireCheckoutSessions();
    this.lastPayoutRun = runDailyPayouts(this.ctx, this.lastPayoutRun);
  }

  /** Stripe keeps events 30 days; dropping them keeps a long-running demo's memory flat. */
  private purgeOldEvents(): void {
    const oldest = this.ctx.nowSec() - EVENT_RETENTION_SEC;
    this.ctx.store.prune('event', (e) => e.created < oldest);
  }

  private settleAch(): void {
    const now = this.ctx.now().getTime();
    for (const pi of this.ctx.store.all('payment_intent')) {
      if (pi.status !== 'processing' || !pi.__settleAt || pi.__settleAt > now) continue;
      const ch = this.ctx.store.find(pi.latest_charge, 'charge');
      const pm = this.ctx.store.find(pi.payment_method, 'payment_method');
      const ach = pm.__ach as { outcome: string; failure_code?: string; message?: string };
      if (ach.outcome === 'succeed') {
        Object.assign(ch, { status: 'succeeded', paid: true, captured: true, amount_captured: ch.amount });
        bookCapture(this.ctx, ch, pm.type);
        setStatus(this.ctx, pi, 'succeeded', { amount_received: pi.amount });
        this.ctx.emit('charge.succeeded', ch);
        this.ctx.emit('payment_intent.succeeded', pi);
        this.asyncCheckoutResult(pi, true);
      } else {
        Object.assign(ch, {
          status: 'failed',
          failure_code: ach.failure_code,
          failure_message: ach.message,
          outcome: {
            ...ch.outcome,
            network_status: 'declined_by_network',
            type: 'issuer_declined',
            reason: ach.failure_code,
          },
        });
        setStatus(this.ctx, pi, 'requires_payment_method', {
          payment_method: null,
          last_payment_error: {
            type: 'invalid_request_error',
            code: ach.failure_code,
            message: ach.message,
            payment_method: pm,
          },
        });
        this.ctx.emit('charge.failed', ch);
        this.ctx.emit('payment_intent.payment_failed', pi);
        this.asyncCheckoutResult(pi, false);
      }
    }
  }

  /** A session paid by ACH completes unpaid; its result arrives as an async_payment event. */
  private asyncCheckoutResult(pi: StripeObject, ok: boolean): void {
    if (!pi.__checkoutSession) return;
    const cs = this.ctx.store.get(pi.__checkoutSession as string);
    if (!cs) return;
    if (ok) cs.payment_status = 'paid';
    this.ctx.emit(
      ok ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed',
      cs,
    );
  }

  private expireCheckoutSessions(): void {
    const now = this.ctx.nowSec();
    for (const cs of this.ctx.store.all('checkout.session'))
      if (cs.status === 'open' && cs.expires_at <= now) expireSession(this.ctx, cs);
  }
}
