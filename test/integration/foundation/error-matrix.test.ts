import { startTestService, TestService } from '../../support/service';

/**
 * Bad input of every kind gets a 4xx problem+json naming the field, never a 500, and leaves the
 * database exactly as it was (rows in every canonical, audit and outbox table are counted).
 */
describe('error matrix', () => {
  let svc: TestService;
  let companyId: number;
  let paidTax: number;
  beforeAll(async () => {
    svc = await startTestService();
    companyId = (await svc.request('POST', '/api/v1/companies', { body: { name: 'Existing' } })).body.id;
    paidTax = (await svc.request('POST', '/api/v1/tax-rates', { body: { name: 'T', code: 'T1', rate: '5' } }))
      .body.id;
    await svc.request('POST', '/api/v1/products', {
      body: { name: 'Taken', sku: 'TAKEN', price_minor: 100, currency: 'USD' },
    });
  });
  afterAll(() => svc.close());

  const TABLES = [
    'companies',
    'contacts',
    'deals',
    'products',
    'tax_rates',
    'associations',
    'audit_log',
    'sync_outbox',
  ];
  async function snapshot() {
    const out: Record<string, unknown> = {};
    for (const t of TABLES) {
      out[t] = await svc
        .db(t)
        .select(svc.db.raw("coalesce(string_agg(md5(t::text), ',' order by 1), '') as h"))
        .from(svc.db.raw(`${t} as t`));
    }
    return out;
  }

  type Case = {
    name: string;
    method: string;
    url: string;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
    role?: 'admin' | 'finance' | 'analyst' | 'viewer' | null;
    status: number;
    field?: string;
  };
  const big = 'x'.repeat(1024 * 1024 + 10);
  const cases: Case[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      url: '/api/v1/companies',
      raw: '{"name":',
      headers: { 'content-type': 'application/json' },
      status: 400,
    },
    {
      name: 'wrong type',
      method: 'POST',
      url: '/api/v1/companies',
      body: { name: 42 },
      status: 400,
      field: 'name',
    },
    {
      name: 'missing required',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P' },
      status: 400,
      field: 'sku',
    },
    {
      name: 'unknown field',
      method: 'POST',
      url: '/api/v1/companies',
      body: { name: 'A', colour: 'red' },
      status: 400,
      field: 'colour',
    },
    {
      name: 'float money',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'F1', price_minor: 10.5, currency: 'USD' },
      status: 400,
      field: 'price_minor',
    },
    {
      name: 'out of range',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'F2', price_minor: 1e17, currency: 'USD' },
      status: 400,
      field: 'price_minor',
    },
    {
      name: 'negative price',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'F3', price_minor: -1, currency: 'USD' },
      status: 400,
      field: 'price_minor',
    },
    {
      name: 'bad currency',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'F4', price_minor: 1, currency: 'XYZ' },
      status: 400,
      field: 'currency',
    },
    {
      name: 'lower-case currency',
      method: 'POST',
      url: '/api/v1/deals',
      body: { name: 'D', stage: 's', amount_minor: 5, currency: 'usd' },
      status: 400,
      field: 'currency',
    },
    {
      name: 'amount without currency',
      method: 'POST',
      url: '/api/v1/deals',
      body: { name: 'D', stage: 's', amount_minor: 5 },
      status: 400,
      field: 'currency',
    },
    {
      name: 'bad frequency',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'F5', price_minor: 1, currency: 'USD', frequency: 'fortnightly' },
      status: 400,
      field: 'frequency',
    },
    {
      name: 'tax rate over 100',
      method: 'POST',
      url: '/api/v1/tax-rates',
      body: { name: 'T', code: 'BIG', rate: '100.5' },
      status: 400,
      field: 'rate',
    },
    {
      name: 'bad date',
      method: 'POST',
      url: '/api/v1/deals',
      body: { name: 'D', stage: 's', close_date: '2026-02-30' },
      status: 400,
      field: 'close_date',
    },
    {
      name: 'bad email',
      method: 'POST',
      url: '/api/v1/contacts',
      body: { email: 'not-an-email' },
      status: 400,
      field: 'email',
    },
    {
      name: 'unknown reference',
      method: 'POST',
      url: '/api/v1/contacts',
      body: { email: 'a@b.example', company_id: 987654 },
      status: 422,
      field: 'company_id',
    },
    {
      name: 'unknown tax rate on product',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'F6', price_minor: 1, currency: 'USD', tax_rate_id: 987654 },
      status: 422,
      field: 'tax_rate_id',
    },
    {
      name: 'duplicate sku',
      method: 'POST',
      url: '/api/v1/products',
      body: { name: 'P', sku: 'TAKEN', price_minor: 1, currency: 'USD' },
      status: 409,
      field: 'sku',
    },
    {
      name: 'SQL-looking string is just text',
      method: 'POST',
      url: '/api/v1/companies',
      body: { name: "x'); drop table companies; --", country: "US' OR 1=1" },
      status: 400,
      field: 'country',
    },
    {
      name: 'SQL-looking id',
      method: 'GET',
      url: '/api/v1/companies/1%20or%201=1',
      status: 400,
      field: 'id',
    },
    { name: 'unknown id', method: 'GET', url: '/api/v1/companies/99999999', status: 404 },
    {
      name: 'huge id',
      method: 'GET',
      url: '/api/v1/companies/99999999999999999999',
      status: 400,
      field: 'id',
    },
    { name: 'oversized body', method: 'POST', url: '/api/v1/companies', body: { name: big }, status: 413 },
    {
      name: 'wrong content type',
      method: 'POST',
      url: '/api/v1/companies',
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
      status: 415,
    },
    { name: 'missing API key', method: 'GET', url: '/api/v1/companies', role: null, status: 401 },
    {
      name: 'wrong API key',
      method: 'GET',
      url: '/api/v1/companies',
      role: null,
      headers: { authorization: 'Bearer ll_nope' },
      status: 401,
    },
    {
      name: 'viewer writes',
      method: 'POST',
      url: '/api/v1/companies',
      body: { name: 'V' },
      role: 'viewer',
      status: 403,
    },
    {
      name: 'analyst writes',
      method: 'PATCH',
      url: '/api/v1/companies/1',
      body: { name: 'V' },
      role: 'analyst',
      status: 403,
    },
    {
      name: 'finance manages keys',
      method: 'POST',
      url: '/api/v1/api-keys',
      body: { name: 'k', role: 'admin' },
      role: 'finance',
      status: 403,
    },
    { name: 'bad limit', method: 'GET', url: '/api/v1/companies?limit=0', status: 400, field: 'limit' },
    {
      name: 'tampered cursor',
      method: 'GET',
      url: '/api/v1/companies?cursor=%7Bbad',
      status: 400,
      field: 'cursor',
    },
    {
      name: 'bad If-Match',
      method: 'PATCH',
      url: '/api/v1/companies/1',
      body: { name: 'X' },
      headers: { 'if-match': 'abc' },
      status: 400,
      field: 'If-Match',
    },
    {
      name: 'self association',
      method: 'PUT',
      url: '/api/v1/companies/1/associations/companies/1',
      status: 400,
      field: 'to_id',
    },
    {
      name: 'unknown association object',
      method: 'PUT',
      url: '/api/v1/companies/1/associations/planets/1',
      status: 400,
      field: 'toObject',
    },
    { name: 'unknown route', method: 'GET', url: '/api/v1/planets', status: 404 },
    {
      name: 'batch with one bad item',
      method: 'POST',
      url: '/api/v1/companies/batch/create',
      body: { inputs: [{ name: 'Good 1' }, { name: 'Good 2' }, { name: '' }, { name: 'Good 3' }] },
      status: 400,
      field: 'inputs.2.name',
    },
    {
      name: 'batch with one bad reference',
      method: 'POST',
      url: '/api/v1/contacts/batch/create',
      body: { inputs: [{ email: 'g1@x.example' }, { email: 'g2@x.example', company_id: 555555 }] },
      status: 422,
      field: 'inputs.1.company_id',
    },
    {
      name: 'batch with duplicate skus inside',
      method: 'POST',
      url: '/api/v1/products/batch/create',
      body: {
        inputs: [
          { name: 'A', sku: 'DUP', price_minor: 1, currency: 'USD' },
          { name: 'B', sku: 'DUP', price_minor: 1, currency: 'USD' },
        ],
      },
      status: 409,
      field: 'inputs.1.sku',
    },
    {
      name: 'batch update of a missing id',
      method: 'POST',
      url: '/api/v1/companies/batch/update',
      body: {
        inputs: [
          { id: 1, name: 'Changed' },
          { id: 424242, name: 'Nope' },
        ],
      },
      status: 400,
      field: 'inputs.1.id',
    },
    {
      name: 'batch update with a bad field',
      method: 'POST',
      url: '/api/v1/companies/batch/update',
      body: {
        inputs: [
          { id: 1, name: 'Changed' },
          { id: 1, country: 'France' },
        ],
      },
      status: 400,
      field: 'inputs.1.country',
    },
    {
      name: 'empty batch',
      method: 'POST',
      url: '/api/v1/companies/batch/create',
      body: { inputs: [] },
      status: 400,
      field: 'inputs',
    },
    {
      name: 'batch not an object',
      method: 'POST',
      url: '/api/v1/companies/batch/create',
      body: [1, 2],
      status: 400,
    },
    {
      name: 'too-long Idempotency-Key',
      method: 'POST',
      url: '/api/v1/companies',
      body: { name: 'I' },
      headers: { 'idempotency-key': 'k'.repeat(300) },
      status: 400,
      field: 'Idempotency-Key',
    },
  ];

  it.each(cases)('$name → $status', async (c) => {
    const url = c.url.replace('/companies/1', `/companies/${companyId}`).replace('"id": 1', '');
    const body =
      c.body && typeof c.body === 'object' && 'inputs' in (c.body as any)
        ? { inputs: (c.body as any).inputs.map((i: any) => (i.id === 1 ? { ...i, id: companyId } : i)) }
        : c.body;
    const before = await snapshot();
    const res = await svc.request(c.method, url, { body, raw: c.raw, headers: c.headers, role: c.role });
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: c.status,
      title: expect.any(String),
      type: expect.stringMatching(/^https:/),
    });
    if (c.field) expect(res.body.errors.map((e: any) => e.field)).toContain(c.field);
    expect(await snapshot()).toEqual(before);
  });

  it('never answers a 500 for odd but harmless input', async () => {
    const odd = [
      '\u0000',
      '💸'.repeat(50),
      'Robert"); DROP TABLE contacts;--',
      '%00',
      '<script>alert(1)</script>',
    ];
    for (const name of odd) {
      const res = await svc.request('POST', '/api/v1/companies', {
        body: { name, industry: name.slice(0, 100) },
      });
      expect(res.status).toBeLessThan(500);
    }
    expect(paidTax).toBeGreaterThan(0);
  });
});
