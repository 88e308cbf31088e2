import type Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../../sandbox';
import { sdkFor, startSandbox, type StripeSandbox } from '../../contract/stripe-support';

describe('Stripe emulator: rate limit, faults, control API', () => {
  let sb: StripeSandbox;
  let stripe: Stripe;
  beforeAll(async () => {
    sb = await startSandbox();
    stripe = sb.stripe;
  });
  afterAll(() => sb.emu.close());
  beforeEach(() => sb.emu.control.reset());

  /** n concurrent list calls; returns the errors and how many were accepted, with the elapsed seconds */
  async function burst(emu: StripeEmulator, n: number) {
    const client = sdkFor(emu);
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: n }, () => client.customers.list({ limit: 1 })),
    );
    const seconds = (performance.now() - t0) / 1000;
    const errors = results
      .filter((r) => r.status === 'rejected')
      .map((r) => r.reason as Stripe.errors.StripeError);
    return { errors, accepted: n - errors.length, seconds };
  }

  it('enforces 25 requests/s in test mode with Stripe’s 429 rate_limit error, scaled by a factor', async () => {
    const one = await startStripeEmulator({ rateLimitScale: 1 });
    const two = await startStripeEmulator({ rateLimitScale: 2 });
    const off = await startStripeEmulator({ rateLimitScale: Infinity });
    try {
      // Bounds depend on elapsed time (the bucket refills while the burst runs), so they hold on a busy machine.
      const b1 = await burst(one, 80);
      expect(b1.accepted).toBeGreaterThanOrEqual(25);
      expect(b1.accepted).toBeLessThanOrEqual(25 + Math.ceil(25 * b1.seconds) + 1);
      expect(b1.errors.length).toBeGreaterThan(0);
      expect(b1.errors[0]).toMatchObject({
        type: 'StripeRateLimitError',
        statusCode: 429,
        code: 'rate_limit',
      });
      expect(b1.errors[0].raw).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
      expect(one.control.counters().rateLimited).toBe(b1.errors.length);
      const b2 = await burst(two, 120);
      expect(b2.accepted).toBeGreaterThanOrEqual(50);
      expect(b2.accepted).toBeLessThanOrEqual(50 + Math.ceil(50 * b2.seconds) + 1);
      expect((await burst(off, 200)).errors).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 1000)); // the bucket refills
      expect((await burst(one, 20)).errors).toHaveLength(0);
    } finally {
      await Promise.all([one.close(), two.close(), off.close()]);
    }
  });

  it('injects 500s, 429s, latency and failNext', async () => {
    sb.emu.control.setFaults({ failNext: 2 });
    await expect(stripe.customers.create({})).rejects.toMatchObject({
      statusCode: 500,
      type: 'StripeAPIError',
    });
    await expect(stripe.customers.create({})).rejects.toMatchObject({ statusCode: 500 });
    await stripe.customers.create({});
    sb.emu.control.setFaults({ rate429: 1 });
    await expect(stripe.customers.list()).rejects.toMatchObject({ statusCode: 429 });
    sb.emu.control.setFaults({ latencyMs: 150 });
    const t0 = Date.now();
    await stripe.customers.list();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    sb.emu.control.setFaults({});
    expect((await stripe.customers.list()).data).toHaveLength(1);
    expect(sb.emu.control.counters()).toMatchObject({ injected500: 2, rateLimited: 1, writeCalls: 1 });
  });

  it('drops connections before or after applying a write; the same Idempotency-Key heals both', async () => {
    sb.emu.control.setFaults({ rateDrop: 1, dropPhase: 'after' });
    await expect(
      stripe.customers.create({ name: 'after' }, { idempotencyKey: 'drop-after' }),
    ).rejects.toMatchObject({
      type: 'StripeConnectionError',
    });
    sb.emu.control.setFaults({ rateDrop: 1, dropPhase: 'before' });
    await expect(
      stripe.customers.create({ name: 'before' }, { idempotencyKey: 'drop-before' }),
    ).rejects.toMatchObject({
      type: 'StripeConnectionError',
    });
    sb.emu.control.setFaults({});
    expect((await stripe.customers.list()).data.map((c) => c.name)).toEqual(['after']); // applied, answer lost
    const again = await stripe.customers.create({ name: 'after' }, { idempotencyKey: 'drop-after' });
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    await stripe.customers.create({ name: 'before' }, { idempotencyKey: 'drop-before' });
    expect((await stripe.customers.list()).data.map((c) => c.name).sort()).toEqual(['after', 'before']);
    // stripe-node retries a closed connection once even with maxNetworkRetries: 0 (same key).
    expect(sb.emu.control.counters().dropped).toBe(4);
  });

  it('times out silently (hang) and the SDK gives up at its own timeout', async () => {
    const impatient = sdkFor(sb.emu, 'sk_test_x', { timeout: 200 });
    sb.emu.control.setFaults({ rateTimeout: 1, timeoutMs: 5000, dropPhase: 'after' });
    const t0 = Date.now();
    await expect(
      impatient.customers.create({ name: 'slow' }, { idempotencyKey: 'hang-1' }),
    ).rejects.toMatchObject({
      type: 'StripeConnectionError',
    });
    expect(Date.now() - t0).toBeLessThan(3000);
    sb.emu.control.setFaults({});
    // applied before the silence: the retry with the same key replays it
    const again = await stripe.customers.create({ name: 'slow' }, { idempotencyKey: 'hang-1' });
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(sb.emu.control.counters().timedOut).toBeGreaterThanOrEqual(1);
  });

  it('ends with exactly one customer per key when 20% of calls fail and the client retries', async () => {
    sb.emu.control.setFaults({ rate429: 0.07, rate500: 0.07, rateDrop: 0.06 });
    const n = 60;
    let failures = 0;
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        for (;;) {
          try {
            return await stripe.customers.create(
              { metadata: { ref: `r${i}` } },
              { idempotencyKey: `faulty-${i}` },
            );
          } catch {
            failures++;
          }
        }
      }),
    );
    sb.emu.control.setFaults({});
    expect(failures).toBeGreaterThan(0);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 100 })) all.push(c.metadata.ref);
    expect(all).toHaveLength(n);
    expect(new Set(all).size).toBe(n);
  });

  it('answers 409 to a concurrent request with an in-flight Idempotency-Key', async () => {
    sb.emu.control.setFaults({ latencyMs: 100 });
    const [a, b] = await Promise.all([
      sb.raw('POST', '/v1/customers', 'name=x', { 'Idempotency-Key': 'same' }),
      new Promise((r) => setTimeout(r, 20)).then(() =>
        sb.raw('POST', '/v1/customers', 'name=x', { 'Idempotency-Key': 'same' }),
      ),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(409);
    expect(b.body.error.type).toBe('idempotency_error');
  });

  it('exposes the control API over HTTP', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${sb.emu.url}/_control${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) =>
        r.json(),
      );
    expect(await post('/faults', { failNext: 1 })).toEqual({ failNext: 1 });
    await expect(stripe.customers.list()).rejects.toMatchObject({ statusCode: 500 });
    await stripe.customers.create({});
    const counters: any = await fetch(`${sb.emu.url}/_control/counters`).then((r) => r.json());
    expect(counters.requests['POST /v1/customers']).toBe(1);
    expect(counters.requests['GET /v1/customers']).toBe(1);
    expect(counters.writeCalls).toBe(1);
    const before = Date.parse((await post('/tick', {})).now);
    const after = Date.parse((await post('/advance', { ms: 86400000 })).now);
    expect(after - before).toBeGreaterThanOrEqual(86400000);
    await post('/reset', {});
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });
});
