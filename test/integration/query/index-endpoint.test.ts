import { startTestService, TestService } from '../../support/service';

/** Index endpoints on real PostgreSQL: filters, sort, keyset cursor, projection, counts, 400s. */
describe('index endpoints', () => {
  let svc: TestService;
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    svc = await startTestService();
    const companies = await svc.request('POST', '/api/v1/companies/batch/create', {
      body: {
        inputs: [
          { name: 'Acme', industry: 'software', annual_revenue_minor: 500000, currency: 'USD' },
          { name: 'Bolt', industry: 'retail', annual_revenue_minor: 500000, currency: 'EUR' },
          { name: 'Cedar', industry: 'software' },
        ],
      },
    });
    [ids.acme, ids.bolt, ids.cedar] = companies.body.results.map((r: any) => r.record.id);
    // 30 contacts: last names cycle through 7 values plus NULLs so sorting has ties and NULLs.
    const inputs = Array.from({ length: 30 }, (_, i) => ({
      first_name: `F${String(i).padStart(2, '0')}`,
      last_name: i % 8 === 7 ? null : `Name${i % 7}`,
      email: `p${i}@x.example`,
      company_id: [ids.acme, ids.bolt, ids.cedar][i % 3],
    }));
    const contacts = await svc.request('POST', '/api/v1/contacts/batch/create', { body: { inputs } });
    expect(contacts.status).toBe(201);
    const cids: number[] = contacts.body.results.map((r: any) => r.record.id);
    ids.c0 = cids[0];
    ids.c1 = cids[1];
    // Payments and invoices straight into their tables (their APIs belong to other modules).
    await svc.db('payments').insert([
      {
        contact_id: cids[0],
        amount_minor: 1000,
        currency: 'USD',
        method: 'card',
        status: 'succeeded',
        paid_at: svc.db.raw(`now() - interval '3 days'`),
      },
      {
        contact_id: cids[1],
        amount_minor: 1000,
        currency: 'USD',
        method: 'card',
        status: 'failed',
        paid_at: svc.db.raw(`now() - interval '3 days'`),
      },
      {
        contact_id: cids[2],
        amount_minor: 1000,
        currency: 'USD',
        method: 'card',
        status: 'succeeded',
        paid_at: svc.db.raw(`now() - interval '45 days'`),
      },
      {
        contact_id: cids[3],
        amount_minor: 7000,
        currency: 'EUR',
        method: 'card',
        status: 'succeeded',
        paid_at: svc.db.raw(`now() - interval '1 day'`),
      },
      {
        contact_id: cids[3],
        amount_minor: 6000,
        currency: 'EUR',
        method: 'ach',
        status: 'succeeded',
        paid_at: svc.db.raw(`now() - interval '2 days'`),
      },
    ]);
    await svc
      .db('invoices')
      .insert([
        ...Array.from({ length: 4 }, () => ({ company_id: ids.acme, currency: 'USD', status: 'open' })),
        ...Array.from({ length: 3 }, () => ({ company_id: ids.bolt, currency: 'USD', status: 'open' })),
        { company_id: ids.bolt, currency: 'USD', status: 'paid' },
      ]);
  });
  afterAll(() => svc.close());

  const get = (url: string) => svc.request('GET', url, { role: 'viewer' });

  it('filters, sorts with NULLs last and pages through every row exactly once by cursor', async () => {
    const expected = await svc
      .db('contacts')
      .whereIn('company_id', [ids.acme, ids.cedar])
      .orderByRaw('last_name asc nulls last, id asc')
      .pluck('id');
    const seen: number[] = [];
    let url =
      '/api/v1/contacts?filter[company_industry][eq]=software&sort=last_name&limit=4&fields=last_name,email';
    for (let i = 0; i < 20; i++) {
      const res = await get(url);
      expect(res.status).toBe(200);
      seen.push(...res.body.results.map((r: any) => r.id));
      expect(Object.keys(res.body.results[0]).sort()).toEqual(['email', 'id', 'last_name']);
      if (!res.body.paging.next) break;
      url = `/api/v1/contacts?filter[company_industry][eq]=software&sort=last_name&limit=4&fields=last_name,email&cursor=${res.body.paging.next}`;
    }
    expect(seen).toEqual(expected);
    expect(expected.length).toBe(20);
  });

  it('sorts descending with NULLs first and returns totals on request', async () => {
    const expected = await svc.db('contacts').orderByRaw('last_name desc nulls first, id desc').pluck('id');
    const seen: number[] = [];
    let cursor = '';
    let total: number | undefined;
    do {
      const res = await get(
        `/api/v1/contacts?sort=-last_name&limit=7&count=true${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      total = res.body.total;
      seen.push(...res.body.results.map((r: any) => r.id));
      cursor = res.body.paging.next ?? '';
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(total).toBe(30);
  });

  it('applies text, in, money and relative-date operators', async () => {
    const contains = await get('/api/v1/contacts?filter[email][contains]=p1&count=true');
    expect(contains.body.total).toBe(11); // p1, p10..p19
    const inList = await get('/api/v1/companies?filter[name][in]=Acme,Cedar');
    expect(inList.body.results.map((c: any) => c.name)).toEqual(['Acme', 'Cedar']);
    const usd = await get(
      `/api/v1/companies?filter[annual_revenue][gte]=${encodeURIComponent('5000.00 USD')}`,
    );
    expect(usd.body.results.map((c: any) => c.name)).toEqual(['Acme']);
    const today = await get('/api/v1/companies?filter[created_at][eq]=today&count=true');
    expect(today.body.total).toBe(3);
    const lastYear = await get('/api/v1/companies?filter[created_at][eq]=last_year&count=true');
    expect(lastYear.body.total).toBe(0);
    const empty = await get('/api/v1/contacts?filter[last_name][is_empty]=true&count=true');
    expect(empty.body.total).toBe(3);
  });

  it('evaluates association criteria: exists, count and sum with their own filter', async () => {
    const recent = await get(
      '/api/v1/contacts?filter[payments][where][status][eq]=succeeded&filter[payments][where][paid_at][eq]=last_30_days',
    );
    expect(recent.status).toBe(200);
    expect(recent.body.results.map((c: any) => c.email).sort()).toEqual(['p0@x.example', 'p3@x.example']);
    const busy = await get(
      '/api/v1/companies?filter[invoices][count][gt]=3&filter[invoices][where][status][eq]=open',
    );
    expect(busy.body.results.map((c: any) => c.name)).toEqual(['Acme']);
    const big = await get(
      `/api/v1/contacts?filter[payments][sum][amount][gte]=${encodeURIComponent('120 EUR')}`,
    );
    expect(big.body.results.map((c: any) => c.email)).toEqual(['p3@x.example']);
    const none = await get('/api/v1/contacts?filter[payments][exists]=false&count=true');
    expect(none.body.total).toBe(26);
    const json = await get(
      `/api/v1/companies?filter=${encodeURIComponent(JSON.stringify({ or: [{ name: { eq: 'Bolt' } }, { contacts: { where: { email: { eq: 'p2@x.example' } } } }] }))}`,
    );
    expect(json.body.results.map((c: any) => c.name)).toEqual(['Bolt', 'Cedar']);
  });

  it('keeps contacts.company_industry in step with the company', async () => {
    await svc.request('PATCH', `/api/v1/companies/${ids.bolt}`, { body: { industry: 'software' } });
    const res = await get('/api/v1/contacts?filter[company_industry][eq]=software&count=true');
    expect(res.body.total).toBe(30);
    await svc.request('PATCH', `/api/v1/contacts/${ids.c1}`, { body: { company_id: null } });
    expect((await get(`/api/v1/contacts/${ids.c1}`)).body.company_industry).toBeNull();
    await svc.request('PATCH', `/api/v1/companies/${ids.bolt}`, { body: { industry: 'retail' } });
  });

  it.each([
    ['/api/v1/contacts?filter[shoe_size][eq]=4', 'filter[shoe_size]'],
    ['/api/v1/contacts?filter[email][like]=x', 'filter[email][like]'],
    ['/api/v1/deals?filter[amount_minor][gt]=ten', 'filter[amount_minor][gt]'],
    ['/api/v1/deals?filter[amount][gt]=10', 'filter[amount][gt]'],
    ['/api/v1/deals?filter[close_date][eq]=2024-02-30', 'filter[close_date][eq]'],
    ['/api/v1/contacts?filter[email]=x', 'filter[email]'],
    ['/api/v1/contacts?filter[email][eq]=a&filter[email][eq]=b', 'filter[email][eq]'],
    ['/api/v1/contacts?filter[payments][where][status][eq]=lost', 'filter[payments][where][status][eq]'],
    ['/api/v1/contacts?filter[payments][sum][status][eq]=x', 'filter[payments][sum][status]'],
    ['/api/v1/contacts?sort=phone', 'sort'],
    ['/api/v1/contacts?sort=nope', 'sort'],
    ['/api/v1/contacts?fields=id,password', 'fields'],
    ['/api/v1/contacts?cursor=abc.def', 'cursor'],
    ['/api/v1/contacts?filter=[1]', 'filter'],
    [
      '/api/v1/contacts?filter[or][0][or][0][or][0][or][0][email][eq]=x',
      'filter[or][0][or][0][or][0][or][0]',
    ],
    ['/api/v1/contacts?bogus=1', 'bogus'],
  ])('rejects %s naming %s', async (url, field) => {
    const res = await get(url);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors.map((e: any) => e.field)).toContain(field);
  });

  it('refuses a tampered cursor and a cursor from another query', async () => {
    const first = await get('/api/v1/contacts?sort=last_name&limit=2');
    const cursor: string = first.body.paging.next;
    expect((await get(`/api/v1/contacts?sort=last_name&limit=2&cursor=${cursor}`)).status).toBe(200);
    const other = await get(`/api/v1/contacts?sort=email&limit=2&cursor=${cursor}`);
    expect(other.status).toBe(400);
    const filtered = await get(`/api/v1/contacts?sort=last_name&filter[email][contains]=p&cursor=${cursor}`);
    expect(filtered.status).toBe(400);
    const [payload, sig] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify(['v', 'Name0', 1])).toString('base64url');
    expect((await get(`/api/v1/contacts?sort=last_name&cursor=${forged}.${sig}`)).status).toBe(400);
    expect((await get(`/api/v1/contacts?sort=last_name&cursor=${payload}.${sig.slice(1)}A`)).status).toBe(
      400,
    );
  });
});
