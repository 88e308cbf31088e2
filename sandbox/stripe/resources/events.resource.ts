/** Events: list (created, type with `*` wildcards, types[], delivery_success) and retrieve; 30-day retention. */
import type { Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import { createdFilter, listParams } from './common';

export const EVENT_RETENTION_SEC = 30 * 86400;

function typeMatcher(pattern: string): (t: string) => boolean {
  if (!pattern.includes('*')) return (t) => t === pattern;
  const re = new RegExp('^' + pattern.split('*').map(escape).join('[^.]*') + '$');
  return (t) => re.test(t);
}

function escape(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/events',
    handler: (ctx, { params: p }) => {
      if (p.type && p.types)
        throw StripeApiError.invalid('You may only specify one of these parameters: type, types.', 'type');
      const matchers =
        (p.types as string[] | undefined)?.map(typeMatcher) ?? (p.type ? [typeMatcher(p.type)] : []);
      const oldest = ctx.nowSec() - EVENT_RETENTION_SEC;
      return ctx.store.list('event', '/v1/events', listParams(p), (e) => {
        if (e.created < oldest) return false;
        if (matchers.length && !matchers.some((m) => m(e.type))) return false;
        return createdFilter(p.created)(e);
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/events/{id}',
    handler: (ctx, { pathParams }) => {
      const e = ctx.store.find(pathParams.id, 'event', 'id');
      if (e.created < ctx.nowSec() - EVENT_RETENTION_SEC) throw StripeApiError.missing(e.id, 'id');
      return e;
    },
  },
];
