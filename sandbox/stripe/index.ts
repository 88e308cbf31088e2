/**
 * Stripe sandbox emulator: a stateful HTTP server the real `stripe` SDK talks to
 * (`new Stripe(key, { host, port, protocol: 'http', apiVersion: '2023-08-16' })`).
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { EmulatorContext } from './stripe.context';
import { StripeHttpServer } from './stripe.server';
import { TokenBucket } from './rate-limiter';
import { allRoutes } from './resources';
import { createControl, controlRoute } from './control';
import { WebhookDispatcher, signPayload } from './webhooks';
import { Processes } from './processes';
import { hostedPages } from './hosted-pages';
import type { StripeEmulator, StripeEmulatorOptions } from './stripe.types';
export { signPayload as signStripeWebhookPayload };

export type {
  StripeEmulator,
  StripeEmulatorOptions,
  StripeControl,
  StripeFaults,
  StripeCounters,
  WebhookDeliveryOptions,
} from './stripe.types';

export async function startStripeEmulator(opts: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const webhookSecret = opts.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`;
  const ctx = new EmulatorContext(opts.clock ?? { now: () => new Date() });
  const http = new StripeHttpServer(
    ctx,
    allRoutes(webhookSecret),
    new TokenBucket(opts.rateLimitScale),
    opts.apiKey,
  );
  const webhooks = new WebhookDispatcher(ctx, webhookSecret);
  const processes = new Processes(ctx);
  const control = createControl(ctx, http, webhooks, processes);
  http.sideRoutes.push(controlRoute(control), hostedPages(ctx));
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  ctx.baseUrl = url;
  return {
    url,
    port,
    host,
    webhookSecret,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        control.shutdown();
        http.server.closeAllConnections();
        http.server.close(() => resolve());
      }),
  };
}
