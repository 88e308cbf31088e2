/** Webhook endpoints: create, list, retrieve, delete. The signing secret is shown only on create. */
import { API_VERSION, mergeMetadata, snapshot, type Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import { newId } from '../stripe.store';
import type { StripeObject } from '../stripe.types';
import { listParams } from './common';

export function webhookEndpointRoutes(secret: string): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/webhook_endpoints',
      handler: (ctx, { params: p }) => {
        try {
          new URL(p.url);
        } catch {
          throw StripeApiError.invalid(`Invalid URL: ${p.url}`, 'url', 'url_invalid');
        }
        const we: StripeObject = {
          id: newId('we'),
          object: 'webhook_endpoint',
          api_version: p.api_version ?? API_VERSION,
          application: null,
          created: ctx.nowSec(),
          description: p.description ?? null,
          enabled_events: p.enabled_events,
          livemode: false,
          metadata: mergeMetadata({}, p.metadata),
          status: 'enabled',
          url: p.url,
        };
        ctx.store.insert(we);
        return { ...snapshot(we), secret };
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints',
      handler: (ctx, { params: p }) =>
        ctx.store.list('webhook_endpoint', '/v1/webhook_endpoints', listParams(p)),
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints/{webhook_endpoint}',
      handler: (ctx, { pathParams }) =>
        ctx.store.find(pathParams.webhook_endpoint, 'webhook_endpoint', 'webhook_endpoint'),
    },
    {
      method: 'DELETE',
      path: '/v1/webhook_endpoints/{webhook_endpoint}',
      handler: (ctx, { pathParams }) => {
        const we = ctx.store.find(pathParams.webhook_endpoint, 'webhook_endpoint', 'webhook_endpoint');
        we.__deleted = true;
        return { id: we.id, object: 'webhook_endpoint', deleted: true };
      },
    },
  ];
}
