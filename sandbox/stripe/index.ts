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
import type { StripeEmulator, StripeEmulatorOptions } from './stripe.types';

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
  const http = new StripeHttpServer(ctx, allRoutes, new TokenBucket(opts.rateLimitScale), opts.apiKey);
  const control = createControl(ctx, http, webhookSecret);
  http.sideRoutes.push(controlRoute(control, ctx));
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
