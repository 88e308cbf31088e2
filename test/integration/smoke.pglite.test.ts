import { startTestService, TestService } from '../support/service';

/** The embedded default (PGlite, one connection) runs the same code path as PostgreSQL. */
describe('smoke on embedded PGlite', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ engine: 'pglite' });
  });
  afterAll(() => svc.close());

  it('serves health, CRUD, batch, associations and idempotency', async () => {
    const health = await svc.request('GET', '/api/v1/health', { role: null });
    expect(health.body.database).toMatchObject({ status: 'up', engine: 'pglite' });

    const tax = await svc.request('POST', '/api/v1/tax-rates', {
      body: { name: 'GST', code: 'GST', rate: '5' },
    });
    const product = await svc.request('POST', '/api/v1/products', {
      body: {
        name: 'Big',
        sku: 'BIG-1',
        price_minor: 999999999999999,
        currency: 'JPY',
        tax_rate_id: tax.body.id,
      },
    });
    expect(product.status).toBe(201);
    expect(product.body.price_minor).toBe(999999999999999);

    const batch = await svc.request('POST', '/api/v1/companies/batch/create', {
      body: { inputs: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] },
      headers: { 'idempotency-key': 'pglite-batch' },
    });
    expect(batch.status).toBe(201);
    const replay = await svc.request('POST', '/api/v1/companies/batch/create', {
      body: { inputs: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] },
      headers: { 'idempotency-key': 'pglite-batch' },
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');

    const [a, b] = batch.body.results.map((r: any) => r.record.id);
    const assoc = await svc.request('PUT', `/api/v1/companies/${a}/associations/companies/${b}`);
    expect(assoc.status).toBe(200);

    const bad = await svc.request('POST', '/api/v1/companies/batch/create', {
      body: { inputs: [{ name: 'D' }, { name: 'E', currency: 'ZZZ' }] },
    });
    expect(bad.status).toBe(400);
    expect(await svc.db('companies').count({ n: '*' })).toEqual([{ n: 3 }]);
    expect(await svc.db('sync_outbox').where({ object: 'company' }).count({ n: '*' })).toEqual([{ n: 3 }]);

    const docs = await svc.request('GET', '/api/docs.json', { role: null });
    expect(docs.body.paths['/api/v1/companies'].post).toBeDefined();
  });
});
