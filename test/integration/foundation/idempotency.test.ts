import { startTestService, TestService } from '../../support/service';

describe('Idempotency-Key on POST', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  const count = async () => Number((await svc.db('companies').count({ n: '*' }))[0].n);

  it('replays the first response and creates once', async () => {
    const before = await count();
    const headers = { 'idempotency-key': 'create-acme-1' };
    const first = await svc.request('POST', '/api/v1/companies', { body: { name: 'Acme' }, headers });
    const again = await svc.request('POST', '/api/v1/companies', { body: { name: 'Acme' }, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await count()).toBe(before + 1);
  });

  it('rejects the same key with another body with 409', async () => {
    const headers = { 'idempotency-key': 'create-acme-2' };
    await svc.request('POST', '/api/v1/companies', { body: { name: 'Beta' }, headers });
    const other = await svc.request('POST', '/api/v1/companies', { body: { name: 'Gamma' }, headers });
    expect(other.status).toBe(409);
    expect(other.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('replays a 4xx answer too, and scopes keys per API key', async () => {
    const headers = { 'idempotency-key': 'bad-1' };
    const bad = await svc.request('POST', '/api/v1/companies', { body: { name: '' }, headers });
    const replay = await svc.request('POST', '/api/v1/companies', { body: { name: '' }, headers });
    expect(bad.status).toBe(400);
    expect(replay.status).toBe(400);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // Another API key using the same key string is a different request.
    const finance = await svc.request('POST', '/api/v1/companies', {
      body: { name: 'Delta' },
      headers,
      role: 'finance',
    });
    expect(finance.status).toBe(201);
  });

  it('treats concurrent duplicates as one', async () => {
    const before = await count();
    const headers = { 'idempotency-key': 'race-1' };
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        svc.request('POST', '/api/v1/companies', { body: { name: 'Racer' }, headers }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(await count()).toBe(before + 1);
  });

  it('forgets keys after 24 hours', async () => {
    const headers = { 'idempotency-key': 'old-1' };
    await svc.request('POST', '/api/v1/companies', { body: { name: 'Old' }, headers });
    await svc
      .db('idempotency_keys')
      .where({ key: 'old-1' })
      .update({ created_at: new Date(Date.now() - 25 * 3600e3) });
    const fresh = await svc.request('POST', '/api/v1/companies', { body: { name: 'Old' }, headers });
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.status).toBe(201);
  });
});
