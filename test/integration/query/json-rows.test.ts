import { startTestService, TestService } from '../../support/service';

/**
 * Index pages and batch creates send JSON that PostgreSQL built (src/app/json-row.ts). It must be
 * exactly what serialising the parsed rows gives — the reference here is the row read through knex
 * and passed through JSON — including the edges: microseconds, int8 beyond 2^53, exact numerics,
 * dates, jsonb, NULLs. Also the set-based reference checks that replaced contacts' foreign key.
 */
describe.each(['pg', 'pglite'] as const)('rows as JSON built by the database (%s)', (engine) => {
  let svc: TestService;
  let companyIds: number[];
  let contactIds: number[];
  const asJson = (row: unknown) => JSON.parse(JSON.stringify(row));

  beforeAll(async () => {
    svc = await startTestService({ engine });
    const companies = await svc.request('POST', '/api/v1/companies/batch/create', {
      body: {
        inputs: [
          { name: 'Acme', industry: 'software', annual_revenue_minor: 500000, currency: 'USD' },
          { name: 'Bolt', industry: 'retail', properties: { tier: 'gold', n: 2.5, none: null } },
          { name: 'Cedar' },
        ],
      },
    });
    expect(companies.status).toBe(201);
    companyIds = companies.body.results.map((r: any) => r.record.id);
    const contacts = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: {
        inputs: [
          { first_name: 'Ann', last_name: 'Ames', email: 'ann@x.example', company_id: companyIds[0] },
          { first_name: 'Ben', company_id: companyIds[1], properties: { vip: true, note: 'ü "q"' } },
          { first_name: 'Cat', company_id: companyIds[2] },
          { first_name: 'Dan' },
        ],
      },
    });
    expect(contacts.status).toBe(201);
    contactIds = contacts.body.results.map((r: any) => r.record.id);
    // Edge values straight into the table: a timestamp at .999999 s (must truncate, as JS Date
    // does), an amount beyond 2^53 (must stay exact, as a string), the epoch.
    await svc.db('payments').insert([
      {
        contact_id: contactIds[0],
        amount_minor: '9007199254740993',
        currency: 'USD',
        method: 'card',
        status: 'succeeded',
        paid_at: '2026-01-31 23:59:59.999999+00',
      },
      {
        contact_id: contactIds[1],
        amount_minor: -42,
        currency: 'JPY',
        method: 'manual',
        status: 'pending',
        paid_at: '1970-01-01 00:00:00+00',
      },
    ]);
    await svc
      .db('contacts')
      .where({ id: contactIds[3] })
      .update({ updated_at: '2025-06-30 12:00:00.000500+02' });
  }, 60_000);
  afterAll(() => svc?.close());

  it.each([
    ['contacts', 'contacts'],
    ['companies', 'companies'],
    ['payments', 'payments'],
    ['tax-rates', 'tax_rates'],
    ['products', 'products'],
    ['deals', 'deals'],
  ])('GET /api/v1/%s equals the parsed rows, field for field', async (path, table) => {
    const seeds: Record<string, [string, unknown]> = {
      tax_rates: ['/api/v1/tax-rates', { name: 'QST', code: 'QST', rate: '9.975', country: 'CA' }],
      products: [
        '/api/v1/products',
        { name: 'Seat', sku: 'SEAT-1', price_minor: 1999, currency: 'USD', frequency: 'monthly' },
      ],
    };
    if (seeds[table]) {
      const made = await svc.request('POST', seeds[table][0], { body: seeds[table][1] });
      expect([made.status, made.body]).toEqual([201, expect.anything()]);
    }
    const page = await svc.request('GET', `/api/v1/${path}?limit=500&archived=include`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^application\/json/);
    const stored = await svc.db(table).orderBy('id');
    expect(page.body.results.length).toBe(stored.length);
    const byId = new Map(stored.map((r: any) => [r.id, r]));
    for (const got of page.body.results) {
      const want = asJson(byId.get(got.id));
      expect(got).toEqual(Object.fromEntries(Object.keys(got).map((k) => [k, want[k]])));
      // The index projects the resource's columns (internal ones, e.g. payments.paid_on, stay out).
      for (const k of Object.keys(got)) expect(Object.keys(want)).toContain(k);
    }
  });

  it('keeps exact values at the edges', async () => {
    const page = await svc.request('GET', '/api/v1/payments?sort=id');
    const [big, epoch] = page.body.results;
    expect(big.amount_minor).toBe('9007199254740993');
    expect(big.paid_at).toBe('2026-01-31T23:59:59.999Z');
    expect(epoch.amount_minor).toBe(-42);
    expect(epoch.paid_at).toBe('1970-01-01T00:00:00.000Z');
    const dan = await svc.request('GET', `/api/v1/contacts?filter[id][eq]=${contactIds[3]}`);
    expect(dan.body.results[0].updated_at).toBe('2025-06-30T10:00:00.000Z');
  });

  it('projects fields, pages by cursor and counts with the JSON path', async () => {
    const first = await svc.request(
      'GET',
      '/api/v1/contacts?fields=email,company_id&limit=2&sort=id&count=true',
    );
    expect(first.body.total).toBe(4);
    expect(first.body.results).toEqual([
      { id: contactIds[0], email: 'ann@x.example', company_id: companyIds[0] },
      { id: contactIds[1], email: null, company_id: companyIds[1] },
    ]);
    const next = await svc.request(
      'GET',
      `/api/v1/contacts?fields=email,company_id&limit=2&sort=id&cursor=${first.body.paging.next}`,
    );
    expect(next.body.results.map((r: any) => r.id)).toEqual(contactIds.slice(2));
    expect(next.body.paging).toEqual({});
  });

  it('returns batch-created records exactly as a GET of each returns them', async () => {
    const res = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: {
        inputs: [
          { first_name: 'Eve', company_id: companyIds[0], properties: { a: 1.25, b: 'x' } },
          { first_name: 'Fay', last_name: null },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.results.map((r: any) => [r.index, r.status])).toEqual([
      [0, 'created'],
      [1, 'created'],
    ]);
    for (const item of res.body.results) {
      const one = await svc.request('GET', `/api/v1/contacts/${item.record.id}`);
      expect(item.record).toEqual(one.body);
    }
    // The batch statement copied the company's industry itself (the trigger is skipped for it).
    expect(res.body.results[0].record.company_industry).toBe('software');
    expect(res.body.results[1].record.company_industry).toBeNull();
  });

  it('keeps company_industry right on single creates and company changes', async () => {
    const one = await svc.request('POST', '/api/v1/contacts', {
      body: { first_name: 'Gus', company_id: companyIds[1] },
    });
    expect(one.body.company_industry).toBe('retail');
    const moved = await svc.request('PATCH', `/api/v1/contacts/${one.body.id}`, {
      body: { company_id: companyIds[0] },
    });
    expect(moved.status).toBe(200);
    const stored = await svc.db('contacts').where({ id: one.body.id }).first();
    expect(stored.company_industry).toBe('software');
    await svc.request('PATCH', `/api/v1/companies/${companyIds[0]}`, { body: { industry: 'fintech' } });
    const after = await svc.db('contacts').where({ company_id: companyIds[0] }).pluck('company_industry');
    expect(new Set(after)).toEqual(new Set(['fintech']));
  });

  it('refuses contacts of a missing company and deleting a company still referenced, for any writer', async () => {
    const missing = 987654321;
    await expect(
      svc.db('contacts').insert({ first_name: 'Ghost', company_id: missing }),
    ).rejects.toMatchObject({
      code: '23503',
    });
    await expect(
      svc.db('contacts').where({ id: contactIds[3] }).update({ company_id: missing }),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(svc.db('companies').where({ id: companyIds[2] }).del()).rejects.toMatchObject({
      code: '23503',
    });
    expect(await svc.db('contacts').where({ first_name: 'Ghost' }).first()).toBeUndefined();
    // Through the API: a 422 naming the field, nothing written.
    const before = await svc.db('contacts').count({ n: '*' }).first();
    const res = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: { inputs: [{ first_name: 'Ok' }, { first_name: 'Bad', company_id: missing }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'inputs.1.company_id' })]);
    expect(await svc.db('contacts').count({ n: '*' }).first()).toEqual(before);
    // A company nobody references can still be deleted by hand.
    const [lone] = await svc.db('companies').insert({ name: 'Lone' }).returning('id');
    await svc.db('companies').where({ id: lone.id }).del();
  });

  it('refuses a batch naming an archived company, and audits each created row as it was returned', async () => {
    const [gone] = await svc.db('companies').insert({ name: 'Gone', industry: 'media' }).returning('id');
    expect((await svc.request('DELETE', `/api/v1/companies/${gone.id}`)).status).toBe(200);
    const before = await svc.db('contacts').count({ n: '*' }).first();
    const refused = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: { inputs: [{ first_name: 'Hal', company_id: gone.id }, { first_name: 'Ida' }] },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ field: 'inputs.0.company_id', message: expect.stringContaining('archived') }),
    ]);
    expect(await svc.db('contacts').count({ n: '*' }).first()).toEqual(before);

    const res = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: { inputs: [{ first_name: 'Jo', company_id: companyIds[1] }, { email: 'kim@x.example' }] },
    });
    expect(res.status).toBe(201);
    for (const item of res.body.results) {
      const trail = await svc
        .db('audit_log')
        .where({ object: 'contact', object_id: item.record.id })
        .select('action', 'before', 'after');
      expect(trail).toEqual([{ action: 'create', before: null, after: item.record }]);
    }
    expect(res.body.results[0].record.company_industry).toBe('retail');
  });
});
