/**
 * HTTP front of the emulator. Pipeline for /v1 requests, in Stripe's order: count → auth →
 * rate limit → injected faults → parse → idempotency → validate (published spec) → handle →
 * expand → answer. /_control/* and the hosted checkout pages bypass auth, limits and faults.
 */
import http from 'node:http';
import { parseForm, type FormObject } from './form.parser';
import { IdempotencyStore, type StoredAnswer } from './idempotency';
import { TokenBucket } from './rate-limiter';
import { API_VERSION, EmulatorContext, serialize, type Route } from './stripe.context';
import { StripeApiError, withDoc } from './stripe.errors';
import { newId } from './stripe.store';
import { operationSpec, validateParams } from './stripe.validator';
import { expand } from './expand';
import type { StripeCounters, StripeFaults } from './stripe.types';

export interface RawAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** Non-API pages (control API, hosted checkout) answer here when they match. */
export type SideRoute = (method: string, url: URL, body: string) => Promise<RawAnswer | undefined>;

interface CompiledRoute extends Route {
  re: RegExp;
  names: string[];
}

export function emptyCounters(): StripeCounters {
  return {
    requests: {},
    writeCalls: 0,
    rateLimited: 0,
    injected500: 0,
    dropped: 0,
    timedOut: 0,
    replays: 0,
    webhooksDelivered: 0,
  };
}

export class StripeHttpServer {
  readonly server: http.Server;
  readonly idempotency = new IdempotencyStore();
  faults: StripeFaults = {};
  counters = emptyCounters();
  private readonly routes: CompiledRoute[];
  readonly sideRoutes: SideRoute[] = [];

  constructor(
    private readonly ctx: EmulatorContext,
    routes: Route[],
    readonly bucket: TokenBucket,
    private readonly apiKey: string | undefined,
  ) {
    this.routes = routes.map((r) => {
      const names: string[] = [];
      const re = new RegExp(
        '^' +
          r.path.replace(/\{(\w+)\}/g, (_m, n: string) => {
            names.push(n);
            return '([^/]+)';
          }) +
          '$',
      );
      return { ...r, re, names };
    });
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, apiError(String((e as Error)?.stack ?? e)));
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.ctx.baseUrl);
    const body = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/v1/')) {
      for (const side of this.sideRoutes) {
        const a = await side(method, url, body);
        if (a) return sendRaw(res, a);
      }
      return send(res, 404, {
        error: withDoc({
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${url.pathname}).`,
        }),
      });
    }
    const match = this.match(method, url.pathname);
    const counterKey = `${method} ${match ? match.route.path : url.pathname}`;
    this.counters.requests[counterKey] = (this.counters.requests[counterKey] ?? 0) + 1;
    const requestId = newId('req', 14);
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': API_VERSION };

    const authError = this.checkAuth(req.headers.authorization);
    if (authError) return send(res, 401, { error: authError }, headers);
    if (!this.bucket.take()) {
      this.counters.rateLimited++;
      return send(res, 429, rateLimitBody(), headers);
    }
    const f = this.faults;
    if (f.failNext && f.failNext > 0) {
      f.failNext--;
      this.counters.injected500++;
      return send(res, 500, apiError('An unknown error occurred'), headers);
    }
    if (f.rate429 && Math.random() < f.rate429) {
      this.counters.rateLimited++;
      return send(res, 429, rateLimitBody(), headers);
    }
    if (f.rate500 && Math.random() < f.rate500) {
      this.counters.injected500++;
      return send(res, 500, apiError('An unknown error occurred'), headers);
    }
    // Dropped and timed-out requests die before or after the write is applied (dropPhase).
    let kill: 'drop' | 'hang' | undefined;
    if (f.rateDrop && Math.random() < f.rateDrop) kill = 'drop';
    else if (f.rateTimeout && Math.random() < f.rateTimeout) kill = 'hang';
    const phase = f.dropPhase ?? 'random';
    const killAfter = !!kill && (phase === 'after' || (phase === 'random' && Math.random() < 0.5));
    if (kill && !killAfter) return this.kill(req, kill);

    if (!match)
      return send(
        res,
        404,
        {
          error: withDoc({
            type: 'invalid_request_error',
            message: `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          }),
        },
        headers,
      );

    const form: FormObject =
      method === 'GET' || method === 'DELETE' ? parseForm(url.search.slice(1)) : parseForm(body);
    const idemKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const answer = await this.execute(match, form, requestId, idemKey, headers);
    if (kill) return this.kill(req, kill);
    sendRaw(res, { status: answer.status, headers, body: answer.body });
  }

  /** Destroys the socket without an answer, at once (drop) or after timeoutMs of silence (hang). */
  private async kill(req: http.IncomingMessage, how: 'drop' | 'hang'): Promise<void> {
    if (how === 'hang') {
      this.counters.timedOut++;
      const ms = this.faults.timeoutMs ?? 30000;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        req.socket.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    } else this.counters.dropped++;
    req.socket.destroy();
  }

  private async execute(
    match: { route: CompiledRoute; pathParams: Record<string, string> },
    form: FormObject,
    requestId: string,
    idemKey: string | undefined,
    headers: Record<string, string>,
  ): Promise<StoredAnswer> {
    const { route, pathParams } = match;
    if (idemKey) {
      headers['Idempotency-Key'] = idemKey;
      const fp = IdempotencyStore.fingerprint(
        route.method,
        Object.values(pathParams).join('/') + route.path,
        form,
      );
      try {
        const replay = this.idempotency.begin(idemKey, fp, this.ctx.now().getTime());
        if (replay) {
          this.counters.replays++;
          headers['Idempotent-Replayed'] = 'true';
          headers['Original-Request'] = replay.requestId;
          return replay;
        }
      } catch (e) {
        if (e instanceof StripeApiError)
          return { status: e.status, body: serialize({ error: e.body }), requestId };
        throw e;
      }
    }
    // Latency sits inside the idempotency window, so a concurrent retry sees the key in flight.
    const latency = this.faults.latencyMs;
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const spec = operationSpec(route.method, route.path);
    let params: Record<string, any>;
    try {
      params = validateParams(route.method === 'POST' ? spec?.body : spec?.query, form);
    } catch (e) {
      if (idemKey) this.idempotency.abandon(idemKey);
      if (e instanceof StripeApiError)
        return { status: e.status, body: serialize({ error: e.body }), requestId };
      throw e;
    }
    if (route.method !== 'GET') this.counters.writeCalls++;
    let answer: StoredAnswer;
    this.ctx.currentRequest = { id: requestId, idempotency_key: idemKey ?? null };
    try {
      const result = await route.handler(this.ctx, {
        method: route.method,
        route: route.path,
        pathParams,
        params,
        requestId,
        idempotencyKey: idemKey,
        baseUrl: this.ctx.baseUrl,
      });
      const expanded = expand(this.ctx.store, result, params.expand as string[] | undefined);
      answer = { status: 200, body: serialize(expanded), requestId };
    } catch (e) {
      if (!(e instanceof StripeApiError)) throw e;
      answer = { status: e.status, body: serialize({ error: e.body }), requestId };
    } finally {
      this.ctx.currentRequest = null;
    }
    if (idemKey) this.idempotency.finish(idemKey, answer);
    return answer;
  }

  private match(method: string, pathname: string) {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.re.exec(pathname);
      if (!m) continue;
      const pathParams: Record<string, string> = {};
      route.names.forEach((n, i) => (pathParams[n] = decodeURIComponent(m[i + 1])));
      return { route, pathParams };
    }
    return undefined;
  }

  private checkAuth(header: string | undefined) {
    let key: string | undefined;
    if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
    else if (header?.startsWith('Basic '))
      key = Buffer.from(header.slice(6), 'base64').toString().split(':')[0];
    if (!key)
      return withDoc({
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    const ok = this.apiKey ? key === this.apiKey : key.startsWith('sk_test_');
    if (!ok)
      return withDoc({
        type: 'invalid_request_error',
        code: 'api_key_expired' === key ? key : undefined,
        message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
      });
    return undefined;
  }
}

/** Stripe's 429 body (type invalid_request_error, code rate_limit). */
export function rateLimitBody() {
  return {
    error: withDoc({
      type: 'invalid_request_error',
      code: 'rate_limit',
      message:
        'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    }),
  };
}

function apiError(message: string) {
  return { error: { type: 'api_error', message } };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  sendRaw(res, { status, headers, body: serialize(body) });
}

function sendRaw(res: http.ServerResponse, a: RawAnswer) {
  if (res.destroyed) return;
  res.writeHead(a.status, { 'Content-Type': 'application/json', ...(a.headers ?? {}) });
  res.end(a.body);
}
