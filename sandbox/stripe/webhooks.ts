/**
 * Webhook delivery to registered endpoints. Each event is queued once per matching endpoint and
 * POSTed as JSON with `Stripe-Signature: t=<clock seconds>,v1=<HMAC-SHA256(secret, "t.payload")>`,
 * which `stripe.webhooks.constructEvent` verifies (pass `receivedAt` when the clock is manual).
 * Controls: duplicate rate, shuffled (out-of-order) delivery, manual flushing. Failed deliveries
 * (non-2xx or network errors) stay queued and are retried at the next flush or tick.
 */
import { createHmac } from 'node:crypto';
import type { EmulatorContext } from './stripe.context';
import { serialize } from './stripe.context';
import type { StripeObject, WebhookDeliveryOptions } from './stripe.types';

interface Delivery {
  endpointId: string;
  event: StripeObject;
  attempts: number;
}

const MAX_ATTEMPTS = 8;

export function signPayload(secret: string, payload: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export class WebhookDispatcher {
  private queue: Delivery[] = [];
  private options: WebhookDeliveryOptions = {};
  private running: Promise<number> | null = null;
  private scheduled = false;
  private closed = false;
  delivered = 0;

  constructor(
    private readonly ctx: EmulatorContext,
    readonly secret: string,
  ) {
    ctx.onEvent((evt) => this.enqueue(evt));
  }

  configure(o: WebhookDeliveryOptions): void {
    this.options = { ...this.options, ...o };
  }

  reset(): void {
    this.queue = [];
    this.options = {};
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private enqueue(evt: StripeObject): void {
    for (const we of this.ctx.store.all('webhook_endpoint')) {
      if (we.__deleted || we.status !== 'enabled') continue;
      if (!we.enabled_events.includes('*') && !we.enabled_events.includes(evt.type)) continue;
      evt.pending_webhooks++;
      this.queue.push({ endpointId: we.id, event: evt, attempts: 0 });
      if (this.options.duplicateRate && Math.random() < this.options.duplicateRate)
        this.queue.push({ endpointId: we.id, event: evt, attempts: 0 });
    }
    if (!this.options.manual && this.queue.length && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Delivers everything queued now; returns the number of successful deliveries. */
  async flush(): Promise<number> {
    while (this.running) await this.running;
    this.running = this.deliverAll();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  private async deliverAll(): Promise<number> {
    const batch = this.queue;
    this.queue = [];
    if (this.options.shuffle) shuffle(batch);
    let ok = 0;
    const retry: Delivery[] = [];
    for (const d of batch) {
      if (this.closed) return ok;
      if (await this.deliver(d)) ok++;
      else if (++d.attempts < MAX_ATTEMPTS) retry.push(d);
    }
    this.queue.unshift(...retry);
    return ok;
  }

  private async deliver(d: Delivery): Promise<boolean> {
    const we = this.ctx.store.get(d.endpointId);
    if (!we || we.__deleted) return true;
    const payload = JSON.stringify(JSON.parse(serialize(d.event)), null, 2);
    const header = signPayload(this.secret, payload, this.ctx.nowSec());
    this.delivered++;
    try {
      const res = await fetch(we.url as string, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Stripe-Signature': header,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(10000),
      });
      await res.arrayBuffer();
      if (res.ok && d.event.pending_webhooks > 0) d.event.pending_webhooks--;
      return res.ok;
    } catch {
      return false;
    }
  }
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
