/**
 * The control surface for tests and benches: faults, clock, webhook delivery, counters, reset.
 * Programmatic (`emulator.control`) and over HTTP under /_control/* (JSON bodies).
 */
import type { EmulatorContext } from './stripe.context';
import { emptyCounters, type RawAnswer, type SideRoute, type StripeHttpServer } from './stripe.server';
import type { StripeControl } from './stripe.types';

export interface InternalControl extends StripeControl {
  shutdown(): void;
}

export function createControl(
  ctx: EmulatorContext,
  http: StripeHttpServer,
  _secret: string,
): InternalControl {
  const control: InternalControl = {
    setFaults: (f) => {
      http.faults = { ...f };
    },
    getFaults: () => ({ ...http.faults }),
    tick: async () => {},
    advance: async (ms) => {
      ctx.offsetMs += ms;
      await control.tick();
    },
    setWebhookDelivery: () => {},
    flushWebhooks: async () => 0,
    counters: () => JSON.parse(JSON.stringify(http.counters)),
    resetCounters: () => {
      http.counters = emptyCounters();
    },
    createDispute: async () => {
      throw new Error('not available yet');
    },
    reset: () => {
      ctx.store.reset();
      http.idempotency.reset();
      http.faults = {};
      http.counters = emptyCounters();
      http.bucket.reset();
    },
    now: () => ctx.now(),
    shutdown: () => {},
  };
  return control;
}

export function controlRoute(control: StripeControl, _ctx: EmulatorContext): SideRoute {
  return async (method, url, body) => {
    if (!url.pathname.startsWith('/_control/')) return undefined;
    const path = url.pathname.slice('/_control'.length);
    const input = body ? (JSON.parse(body) as Record<string, any>) : {};
    const ok = (v: unknown): RawAnswer => ({ status: 200, body: JSON.stringify(v ?? { ok: true }) });
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
      default:
        return { status: 404, body: JSON.stringify({ error: `unknown control route ${method} ${path}` }) };
    }
  };
}
