import { startTestService, TestService } from '../../support/service';

/** The embedded default (one connection) runs index pages, cursors, views and lists too. */
describe('query layer on embedded PGlite', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ engine: 'pglite' });
  });
  afterAll(() => svc.close());

  it('filters, pages by cursor, applies a view and computes a dynamic list', async () => {
    const co = await svc.request('POST', '/api/v1/companies', {
      body: { name: 'Kumo', industry: 'software' },
    });
    const batch = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: {
        inputs: Array.from({ length: 7 }, (_, i) => ({
          last_name: `N${i}`,
          company_id: i % 2 ? co.body.id : null,
        })),
      },
    });
    expect(batch.status).toBe(201);
    const ids = batch.body.results.map((r: any) => r.record.id);
    const first = await svc.request(
      'GET',
      '/api/v1/contacts?filter[company_industry][eq]=software&sort=-last_name&limit=2',
    );
    expect(first.body.results.map((r: any) => r.last_name)).toEqual(['N5', 'N3']);
    const second = await svc.request(
      'GET',
      `/api/v1/contacts?filter[company_industry][eq]=software&sort=-last_name&limit=2&cursor=${first.body.paging.next}`,
    );
    expect(second.body).toMatchObject({ results: [{ last_name: 'N1' }], paging: {} });

    const view = await svc.request('POST', '/api/v1/saved-views', {
      body: {
        object: 'contact',
        name: 'v',
        filter: { last_name: { in: ['N0', 'N6'] } },
        columns: ['last_name'],
      },
    });
    const viewed = await svc.request('GET', `/api/v1/contacts?view=${view.body.id}&count=true`);
    expect(viewed.body).toMatchObject({
      total: 2,
      results: [{ id: ids[0], last_name: 'N0' }, { id: ids[6] }],
    });

    await svc.db('payments').insert({
      contact_id: ids[2],
      amount_minor: 100,
      currency: 'USD',
      method: 'card',
      status: 'succeeded',
      paid_at: new Date(),
    });
    const list = await svc.request('POST', '/api/v1/lists', {
      body: { name: 'paid', object: 'contact', kind: 'dynamic', filter: { payments: { exists: true } } },
    });
    expect(list.body.member_count).toBe(1);
    const members = await svc.request('GET', `/api/v1/lists/${list.body.id}/members`);
    expect(members.body.results.map((r: any) => r.id)).toEqual([ids[2]]);
  });
});
