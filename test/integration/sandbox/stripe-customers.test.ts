import type Stripe from 'stripe';
import { startSandbox, type StripeSandbox } from '../../contract/stripe-support';

describe('Stripe emulator: customers', () => {
  let sb: StripeSandbox;
  let stripe: Stripe;
  beforeAll(async () => {
    sb = await startSandbox();
    stripe = sb.stripe;
  });
  afterAll(() => sb.emu.close());
  beforeEach(() => sb.emu.control.reset());

  it('creates, retrieves, updates, lists, searches and deletes customers through the SDK', async () => {
    const c = await stripe.customers.create(
      { email: 'ada@example.com', name: 'Ada', metadata: { ledgerline_id: 'ct_1', keep: 'y' } },
      { idempotencyKey: 'k-create-1' },
    );
    expect(c.id).toMatch(/^cus_/);
    expect(c).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      metadata: { ledgerline_id: 'ct_1' },
    });

    const u = await stripe.customers.update(c.id, { name: 'Ada L', metadata: { keep: '' } });
    expect(u.name).toBe('Ada L');
    expect(u.metadata).toEqual({ ledgerline_id: 'ct_1' });
    expect((await stripe.customers.retrieve(c.id)) as Stripe.Customer).toMatchObject({ name: 'Ada L' });

    const found = await stripe.customers.search({ query: "metadata['ledgerline_id']:'ct_1'" });
    expect(found.data.map((x) => x.id)).toEqual([c.id]);
    expect((await stripe.customers.list({ email: 'ada@example.com' })).data).toHaveLength(1);
    expect((await stripe.customers.list({ email: 'nobody@example.com' })).data).toHaveLength(0);

    expect(await stripe.customers.del(c.id)).toEqual({ id: c.id, object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(c.id)).toMatchObject({ id: c.id, deleted: true });
    expect((await stripe.customers.list()).data).toHaveLength(0);
    await expect(stripe.customers.update(c.id, { name: 'x' })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });

    const types = (await stripe.events.list({ limit: 10 })).data.map((e) => e.type);
    expect(types).toEqual(['customer.deleted', 'customer.updated', 'customer.created']);
  });

  it('paginates newest first with starting_after / ending_before / has_more', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await stripe.customers.create({ name: `c${i}` })).id);
    const newest = [...ids].reverse();
    const p1 = await stripe.customers.list({ limit: 3 });
    expect(p1.data.map((c) => c.id)).toEqual(newest.slice(0, 3));
    expect(p1.has_more).toBe(true);
    expect(p1.url).toBe('/v1/customers');
    const p2 = await stripe.customers.list({ limit: 3, starting_after: p1.data[2].id });
    expect(p2.data.map((c) => c.id)).toEqual(newest.slice(3, 6));
    const p3 = await stripe.customers.list({ limit: 3, starting_after: p2.data[2].id });
    expect(p3.data.map((c) => c.id)).toEqual(newest.slice(6));
    expect(p3.has_more).toBe(false);
    const back = await stripe.customers.list({ limit: 2, ending_before: p2.data[0].id });
    expect(back.data.map((c) => c.id)).toEqual(newest.slice(1, 3));
    expect(back.has_more).toBe(true);
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 2 })) all.push(c.id);
    expect(all).toEqual(newest);
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'limit',
    });
  });

  it('rejects unknown and mistyped parameters with Stripe error objects and writes nothing', async () => {
    const unknown = await sb.raw('POST', '/v1/customers', 'email=a%40b.c&nickname=x');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: 'nickname',
      message: 'Received unknown parameter: nickname',
    });
    const nested = await sb.raw('POST', '/v1/customers', 'address[planet]=mars');
    expect(nested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'address[planet]' });
    const badInt = await sb.raw('POST', '/v1/customers', 'balance=12.5');
    expect(badInt.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'balance' });
    const badEnum = await sb.raw('POST', '/v1/customers', 'tax_exempt=sometimes');
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.error.param).toBe('tax_exempt');
    expect((await stripe.customers.list()).data).toHaveLength(0);
    expect(sb.emu.control.counters().writeCalls).toBe(0);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another body', async () => {
    const a = await sb.raw('POST', '/v1/customers', 'email=x%40y.z', { 'Idempotency-Key': 'idem-1' });
    const b = await sb.raw('POST', '/v1/customers', 'email=x%40y.z', { 'Idempotency-Key': 'idem-1' });
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const c = await sb.raw('POST', '/v1/customers', 'email=other%40y.z', { 'Idempotency-Key': 'idem-1' });
    expect(c.status).toBe(400);
    expect(c.body.error.type).toBe('idempotency_error');
    expect((await stripe.customers.list()).data).toHaveLength(1);
    expect(sb.emu.control.counters()).toMatchObject({ writeCalls: 1, replays: 1 });
  });

  it('requires a test secret key', async () => {
    const res = await fetch(`${sb.emu.url}/v1/customers`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.type).toBe('invalid_request_error');
  });
});
