/**
 * The emulator's shared state and services, handed to every resource handler: clock, store,
 * events (with webhook fan-out), and helpers to build Stripe-shaped objects.
 */
import { StripeStore, newId } from './stripe.store';
import type { StripeObject } from './stripe.types';

export const API_VERSION = '2023-08-16';

export interface ApiRequest {
  method: string;
  /** spec path template, e.g. /v1/customers/{customer} */
  route: string;
  pathParams: Record<string, string>;
  params: Record<string, any>;
  requestId: string;
  idempotencyKey?: string;
  baseUrl: string;
}

export type Handler = (ctx: EmulatorContext, req: ApiRequest) => StripeObject | Promise<StripeObject>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handler: Handler;
}

export interface EventSink {
  (evt: StripeObject): void;
}

export class EmulatorContext {
  readonly store = new StripeStore();
  /** the emulator's own offset on top of the injected clock, moved by control.advance() */
  offsetMs = 0;
  private sinks: EventSink[] = [];
  /** request being handled, recorded on events as Stripe does */
  currentRequest: { id: string | null; idempotency_key: string | null } | null = null;
  baseUrl = '';

  constructor(private readonly clock: { now(): Date }) {}

  now(): Date {
    return new Date(this.clock.now().getTime() + this.offsetMs);
  }

  /** Stripe timestamps are unix seconds */
  nowSec(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  onEvent(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /** Records an event (type, snapshot of the object) and hands it to webhook delivery. */
  emit(type: string, obj: StripeObject, previous?: Record<string, unknown>): StripeObject {
    const evt: StripeObject = {
      id: newId('evt'),
      object: 'event',
      account: undefined,
      api_version: API_VERSION,
      created: this.nowSec(),
      data: { object: snapshot(obj), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: 0,
      request: this.currentRequest ?? { id: null, idempotency_key: null },
      type,
    };
    delete evt.account;
    this.store.insert(evt);
    for (const s of this.sinks) s(evt);
    return evt;
  }
}

/** JSON copy without internal fields (keys starting with "__"). */
export function snapshot<T>(obj: T): T {
  return JSON.parse(serialize(obj)) as T;
}

export function serialize(obj: unknown): string {
  return JSON.stringify(obj, (k, v) => (k.startsWith('__') ? undefined : v));
}

/** Applies metadata updates as Stripe does: "" unsets a key, metadata="" clears all. */
export function mergeMetadata(current: Record<string, string>, update: unknown): Record<string, string> {
  if (update === undefined) return current;
  if (update === '') return {};
  const out = { ...current };
  for (const [k, v] of Object.entries(update as Record<string, string>)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}
