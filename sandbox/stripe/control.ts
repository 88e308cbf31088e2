/**
 * The control surface for tests and benches: faults, clock, webhook delivery, counters, reset.
 * Programmatic (`emulator.control`) and over HTTP under /_control/* (JSON bodies).
 */
import type { EmulatorContext } from './stripe.context';
import { serialize } from './stripe.context';
import { createDispute } from './charges.engine';
import { seedHistory } from './history.seed';
import { authenticatePaymentIntent } from './payment-intent.flow';
import type { Processes } from './processes';
import { authenticateSetupIntent } from './resources/setup-intents.resource';
import { emptyCounters, type RawAnswer, type SideRoute, type StripeHttpServer } from './stripe.server';
import type { StripeControl, StripeObject } from './stripe.types';
import type { WebhookDispatcher } from './webhooks';

export interface InternalControl extends StripeControl {
  shutdown(): void;
}

export function createControl(
  ctx: EmulatorContext,
  http: StripeHttpServer,
  webhooks: WebhookDispatcher,
  processes: Processes,
): InternalControl {
  const control: InternalControl = {
    setFaults: (f) => {
      http.faults = { ...f };
    },
    getFaults: () => ({ ...http.faults }),
    tick: async () => {
      processes.run();
      await webhooks.flush();
    },
    advance: async (ms) => {
      ctx.offsetMs += ms;
      await control.tick();
    },
    setWebhookDelivery: (o) => webhooks.configure(o),
    flushWebhooks: () => webhooks.flush(),
    counters: () => ({ ...JSON.parse(JSON.stringify(http.counters)), webhooksDelivered: webhooks.delivered }),
    resetCounters: () => {
      http.counters = emptyCounters();
      webhooks.delivered = 0;
    },
    createDispute: async (chargeId, reason) => {
      const dp = createDispute(ctx, ctx.store.find(chargeId, 'charge', 'charge'), reason);
      return JSON.parse(serialize(dp)) as StripeObject;
    },
    authenticate: async (intentId, succeed = true) => {
      const o = ctx.store.get(intentId);
      if (o?.object === 'setup_intent') authenticateSetupIntent(ctx, o, succeed);
      else {
        try {
          authenticatePaymentIntent(ctx, ctx.store.find(intentId, 'payment_intent', 'intent'), succeed);
        } catch (e) {
          // a decline after authentication is recorded on the intent; the caller reads it there
          if ((e as { status?: number }).status !== 402) throw e;
        }
      }
      return JSON.parse(serialize(ctx.store.get(intentId))) as StripeObject;
    },
    reset: () => {
      ctx.offsetMs = 0;
      ctx.store.reset();
      http.idempotency.reset();
      http.faults = {};
      http.counters = emptyCounters();
      http.bucket.reset();
      webhooks.reset();
      webhooks.delivered = 0;
      processes.reset();
    },
    now: () => ctx.now(),
    seedHistory: (o) => seedHistory(ctx, o),
    shutdown: () => webhooks.close(),
  };
  return control;
}

export function controlRoute(control: InternalControl): SideRoute {
  return async (method, url, body) => {
    if (!url.pathname.startsWith('/_control/')) return undefined;
    const path = url.pathname.slice('/_control'.length);
    let input: Record<string, any> = {};
    try {
      input = body ? (JSON.parse(body) as Record<string, any>) : {};
    } catch {
      return { status: 400, body: JSON.stringify({ error: 'control bodies are JSON' }) };
    }
    const ok = (v: unknown): RawAnswer => ({ status: 200, body: JSON.stringify(v ?? { ok: true }) });
    try {
      switch (`${method} ${path}`) {
        case 'GET /faults':
          return ok(control.getFaults());
        case 'POST /faults':
          control.setFaults(input);
          return ok(control.getFaults());
        case 'POST /tick':
          await control.tick();
          return ok({ now: control.now() });
        case 'POST /advance':
          await control.advance(Number(input.ms ?? 0));
          return ok({ now: control.now() });
        case 'GET /clock':
          return ok({ now: control.now() });
        case 'POST /webhooks':
          control.setWebhookDelivery(input);
          return ok(undefined);
        case 'POST /webhooks/flush':
          return ok({ delivered: await control.flushWebhooks() });
        case 'GET /counters':
          return ok(control.counters());
        case 'POST /counters/reset':
          control.resetCounters();
          return ok(undefined);
        case 'POST /reset':
          control.reset();
          return ok(undefined);
        case 'POST /disputes':
          return ok(await control.createDispute(String(input.charge), input.reason));
        case 'POST /authenticate':
          return ok(await control.authenticate(String(input.intent), input.outcome !== 'fail'));
        default:
          return { status: 404, body: JSON.stringify({ error: `unknown control route ${method} ${path}` }) };
      }
    } catch (e) {
      const err = e as { status?: number; body?: unknown; message?: string };
      return {
        status: err.status ?? 500,
        body: JSON.stringify(err.body ? { error: err.body } : { error: err.message }),
      };
    }
  };
}
