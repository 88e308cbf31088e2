import type { ListService } from '../../../src/crm/list.service';
import { LIST_SERVICE } from '../../../src/crm/list.tokens';
import { startTestService, TestService } from '../../support/service';

describe('saved views and lists', () => {
  let svc: TestService;
  const contactIds: number[] = [];
  beforeAll(async () => {
    svc = await startTestService();
    const co = await svc.request('POST', '/api/v1/companies', {
      body: { name: 'Acme', industry: 'software' },
    });
    const res = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: {
        inputs: Array.from({ length: 12 }, (_, i) => ({
          first_name: `F${i}`,
          last_name: `L${String(i).padStart(2, '0')}`,
          email: `c${i}@v.example`,
          company_id: i < 6 ? co.body.id : null,
        })),
      },
    });
    contactIds.push(...res.body.results.map((r: any) => r.record.id));
  });
  afterAll(() => svc.close());

  it('saves views per API key, shares them, and applies one with view=ID or view=default', async () => {
    const mine = await svc.request('POST', '/api/v1/saved-views', {
      role: 'viewer',
      body: {
        object: 'contact',
        name: 'Software people',
        filter: { company_industry: { eq: 'software' } },
        sort: '-last_name',
        columns: ['email', 'last_name'],
        is_default: true,
      },
    });
    expect(mine.status).toBe(201);
    const page = await svc.request('GET', `/api/v1/contacts?view=${mine.body.id}&limit=3`, {
      role: 'viewer',
    });
    expect(page.status).toBe(200);
    expect(page.body.results).toEqual([
      { id: contactIds[5], email: 'c5@v.example', last_name: 'L05' },
      { id: contactIds[4], email: 'c4@v.example', last_name: 'L04' },
      { id: contactIds[3], email: 'c3@v.example', last_name: 'L03' },
    ]);
    const next = await svc.request(
      'GET',
      `/api/v1/contacts?view=${mine.body.id}&limit=3&cursor=${page.body.paging.next}`,
      {
        role: 'viewer',
      },
    );
    expect(next.body.results.map((r: any) => r.id)).toEqual([contactIds[2], contactIds[1], contactIds[0]]);
    // Extra filters narrow the view; view=default finds the caller's default.
    const narrowed = await svc.request('GET', '/api/v1/contacts?view=default&filter[first_name][eq]=F2', {
      role: 'viewer',
    });
    expect(narrowed.body.results.map((r: any) => r.id)).toEqual([contactIds[2]]);

    // Another key cannot see or use the view until it is shared, and can never edit it.
    expect(
      (await svc.request('GET', `/api/v1/contacts?view=${mine.body.id}`, { role: 'analyst' })).status,
    ).toBe(400);
    expect((await svc.request('GET', '/api/v1/contacts?view=default', { role: 'analyst' })).status).toBe(400);
    await svc.request('PATCH', `/api/v1/saved-views/${mine.body.id}`, {
      role: 'viewer',
      body: { shared: true },
    });
    expect(
      (await svc.request('GET', `/api/v1/contacts?view=${mine.body.id}`, { role: 'analyst' })).status,
    ).toBe(200);
    const edit = await svc.request('PATCH', `/api/v1/saved-views/${mine.body.id}`, {
      role: 'analyst',
      body: { name: 'x' },
    });
    expect(edit.status).toBe(403);

    // One default per owner and object: a new default replaces the old one.
    const second = await svc.request('POST', '/api/v1/saved-views', {
      role: 'viewer',
      body: { object: 'contact', name: 'All', is_default: true },
    });
    expect(
      (await svc.request('GET', `/api/v1/saved-views/${mine.body.id}`, { role: 'viewer' })).body.is_default,
    ).toBe(false);
    expect(
      (await svc.request('GET', `/api/v1/saved-views/${second.body.id}`, { role: 'viewer' })).body.is_default,
    ).toBe(true);
    const audit = await svc
      .db('audit_log')
      .where({ object: 'saved_view', object_id: mine.body.id })
      .pluck('action');
    expect(audit).toEqual(['create', 'update', 'update']);

    // A view of another object is refused for this index.
    const co = await svc.request('POST', '/api/v1/saved-views', { body: { object: 'company', name: 'C' } });
    const wrong = await svc.request('GET', `/api/v1/contacts?view=${co.body.id}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('view');
  });

  it('refuses saved views whose filter, sort or columns do not fit the object', async () => {
    const bad = await svc.request('POST', '/api/v1/saved-views', {
      body: { object: 'contact', name: 'Bad', filter: { shoe: { eq: 1 } }, sort: 'phone', columns: ['nope'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(['filter[shoe]']);
    const badSort = await svc.request('POST', '/api/v1/saved-views', {
      body: { object: 'contact', name: 'B', sort: 'phone' },
    });
    expect(badSort.body.errors[0].field).toBe('sort');
    const badObject = await svc.request('POST', '/api/v1/saved-views', {
      body: { object: 'unicorn', name: 'B' },
    });
    expect(badObject.body.errors[0].field).toBe('object');
    expect(await svc.db('saved_views').where({ name: 'Bad' }).count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('computes dynamic lists in SQL, refreshes them on change and on demand, and pages members', async () => {
    const created = await svc.request('POST', '/api/v1/lists', {
      body: {
        name: 'Paid recently',
        object: 'contact',
        kind: 'dynamic',
        filter: { payments: { where: { status: { eq: 'succeeded' }, paid_at: { eq: 'last_30_days' } } } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.member_count).toBe(0);
    const listId = created.body.id;
    await svc.db('payments').insert(
      [0, 1, 2].map((i) => ({
        contact_id: contactIds[i],
        amount_minor: 500,
        currency: 'USD',
        method: 'card',
        status: i === 2 ? 'failed' : 'succeeded',
        paid_at: new Date(),
      })),
    );
    await svc.db('sync_outbox').insert({ object: 'payment', object_id: 1, version: 1, op: 'create' });
    const list = svc.app.get<ListService>(LIST_SERVICE);
    expect(await list.refreshStale()).toBe(1);
    expect(await list.refreshStale()).toBe(0); // nothing changed since
    const members = await svc.request('GET', `/api/v1/lists/${listId}/members?count=true&fields=email`, {
      role: 'viewer',
    });
    expect(members.body).toMatchObject({
      total: 2,
      results: [{ id: contactIds[0], email: 'c0@v.example' }, { id: contactIds[1] }],
    });
    // Archiving a member is a change to contacts: the next pass drops it.
    await svc.request('DELETE', `/api/v1/contacts/${contactIds[1]}`);
    expect(await list.refreshStale()).toBe(1);
    expect((await svc.request('GET', `/api/v1/lists/${listId}`)).body.member_count).toBe(1);
    // Lists are criteria of their own: contacts in the list.
    const inList = await svc.request('GET', `/api/v1/contacts?filter[list][in]=${listId}`);
    expect(inList.body.results.map((r: any) => r.id)).toEqual([contactIds[0]]);
    const refreshed = await svc.request('POST', `/api/v1/lists/${listId}/refresh`);
    expect(refreshed.body).toMatchObject({ added: 0, removed: 0, total: 1 });
  });

  it('keeps static lists explicit: add, remove, reject unknown ids with nothing written', async () => {
    const created = await svc.request('POST', '/api/v1/lists', {
      body: { name: 'VIP', object: 'contact', kind: 'static', ids: [contactIds[3], contactIds[4]] },
    });
    expect(created.body.member_count).toBe(2);
    const id = created.body.id;
    const bad = await svc.request('POST', `/api/v1/lists/${id}/members`, {
      body: { ids: [contactIds[5], 999999] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'ids.1' })]);
    expect((await svc.request('GET', `/api/v1/lists/${id}`)).body.member_count).toBe(2);
    const removed = await svc.request('POST', `/api/v1/lists/${id}/members/remove`, {
      body: { ids: [contactIds[3]] },
    });
    expect(removed.body).toEqual({ removed: 1, member_count: 1 });
    expect((await svc.request('POST', `/api/v1/lists/${id}/refresh`)).status).toBe(409);
    const dynBad = await svc.request('POST', '/api/v1/lists', {
      body: {
        name: 'x',
        object: 'contact',
        kind: 'dynamic',
        filter: { payments: { count: { gt: 'many' } } },
      },
    });
    expect(dynBad.status).toBe(400);
    expect(dynBad.body.errors[0].field).toBe('filter[payments][count][gt]');
    expect(
      (await svc.request('POST', '/api/v1/lists', { body: { name: 'x', object: 'product', kind: 'static' } }))
        .status,
    ).toBe(400);
  });
});
