import { startTestService, TestService } from '../../support/service';

describe('CRUD resources on PostgreSQL', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  const outbox = (object: string, id: number) =>
    svc.db('sync_outbox').where({ object, object_id: id }).orderBy('id').select('op', 'version');
  const audit = (object: string, id: number) =>
    svc
      .db('audit_log')
      .where({ object, object_id: id })
      .orderBy('id')
      .select('action', 'actor_role', 'before', 'after');

  it('creates, reads, updates, archives and restores a company with outbox and audit rows', async () => {
    const created = await svc.request('POST', '/api/v1/companies', {
      body: {
        name: 'Acme',
        domain: 'ACME.example',
        industry: 'software',
        annual_revenue_minor: 1250000,
        currency: 'EUR',
      },
      role: 'finance',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Acme',
      domain: 'acme.example',
      version: 1,
      archived_at: null,
    });
    const id = created.body.id as number;

    const read = await svc.request('GET', `/api/v1/companies/${id}`, { role: 'viewer' });
    expect(read.status).toBe(200);
    expect(read.body.annual_revenue_minor).toBe(1250000);

    const updated = await svc.request('PATCH', `/api/v1/companies/${id}`, { body: { city: 'Lyon' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ city: 'Lyon', version: 2 });

    // Same values again: nothing changes, no version bump, no outbox row.
    const same = await svc.request('PATCH', `/api/v1/companies/${id}`, { body: { city: 'Lyon' } });
    expect(same.body.version).toBe(2);

    const stale = await svc.request('PATCH', `/api/v1/companies/${id}`, {
      body: { city: 'Paris' },
      headers: { 'if-match': '1' },
    });
    expect(stale.status).toBe(412);

    const archived = await svc.request('DELETE', `/api/v1/companies/${id}`);
    expect(archived.status).toBe(200);
    expect(archived.body.archived_at).not.toBeNull();
    const list = await svc.request('GET', '/api/v1/companies');
    expect(list.body.results.map((c: any) => c.id)).not.toContain(id);
    const editArchived = await svc.request('PATCH', `/api/v1/companies/${id}`, { body: { city: 'Nice' } });
    expect(editArchived.status).toBe(409);

    const restored = await svc.request('POST', `/api/v1/companies/${id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ archived_at: null, version: 4 });

    expect(await outbox('company', id)).toEqual([
      { op: 'create', version: 1 },
      { op: 'update', version: 2 },
      { op: 'archive', version: 3 },
      { op: 'restore', version: 4 },
    ]);
    const trail = await audit('company', id);
    expect(trail.map((a) => a.action)).toEqual(['create', 'update', 'archive', 'restore']);
    expect(trail[0].actor_role).toBe('finance');
    expect(trail[1].before.city).toBeNull();
    expect(trail[1].after.city).toBe('Lyon');
  });

  it('batch-creates up to 100 records with per-item results and links references', async () => {
    const company = await svc.request('POST', '/api/v1/companies', { body: { name: 'Batch Co' } });
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      first_name: `F${i}`,
      last_name: `L${i}`,
      email: `p${i}@batch.example`,
      company_id: company.body.id,
    }));
    const res = await svc.request('POST', '/api/v1/contacts/batch/create', { body: { inputs } });
    expect(res.status).toBe(201);
    expect(res.body.results).toHaveLength(100);
    expect(res.body.results[42]).toMatchObject({
      index: 42,
      status: 'created',
      record: { email: 'p42@batch.example' },
    });
    const ids = res.body.results.map((r: any) => r.record.id);
    expect(
      await svc.db('sync_outbox').where({ object: 'contact' }).whereIn('object_id', ids).count({ n: '*' }),
    ).toEqual([{ n: 100 }]);

    const tooMany = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: { inputs: [...inputs, inputs[0]] },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('inputs');

    const upd = await svc.request('POST', '/api/v1/contacts/batch/update', {
      body: {
        inputs: [
          { id: ids[0], job_title: 'CFO' },
          { id: ids[1], first_name: 'F1' },
        ],
      },
    });
    expect(upd.status).toBe(200);
    expect(upd.body.results.map((r: any) => r.status)).toEqual(['updated', 'unchanged']);
  });

  it('keeps exact decimal tax rates and unique product SKUs', async () => {
    const qst = await svc.request('POST', '/api/v1/tax-rates', {
      body: { name: 'QST', code: 'QC-QST', rate: '9.975' },
    });
    expect(qst.status).toBe(201);
    expect(qst.body.rate).toBe('9.975000');
    const same = await svc.request('PATCH', `/api/v1/tax-rates/${qst.body.id}`, { body: { rate: 9.975 } });
    expect(same.body.version).toBe(1);
    const p = await svc.request('POST', '/api/v1/products', {
      body: {
        name: 'Plan',
        sku: 'PLAN-1',
        price_minor: 1000,
        currency: 'KWD',
        frequency: 'every_3_years',
        tax_rate_id: qst.body.id,
      },
    });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ frequency: 'every_3_years', price_minor: 1000, currency: 'KWD' });
    const dup = await svc.request('POST', '/api/v1/products', {
      body: { name: 'Other', sku: 'PLAN-1', price_minor: 1, currency: 'USD' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('sku');
  });

  it('associates records idempotently in both directions', async () => {
    const co = await svc.request('POST', '/api/v1/companies', { body: { name: 'Assoc Co' } });
    const deal = await svc.request('POST', '/api/v1/deals', {
      body: { name: 'Big deal', stage: 'proposal' },
    });
    const first = await svc.request(
      'PUT',
      `/api/v1/deals/${deal.body.id}/associations/companies/${co.body.id}`,
    );
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('created');
    const again = await svc.request(
      'PUT',
      `/api/v1/deals/${deal.body.id}/associations/companies/${co.body.id}`,
    );
    expect(again.body.status).toBe('unchanged');
    const fromCompany = await svc.request('GET', `/api/v1/companies/${co.body.id}/associations/deals`);
    expect(fromCompany.body.results).toEqual([
      expect.objectContaining({ object: 'deals', record_id: deal.body.id }),
    ]);
    const missing = await svc.request('PUT', `/api/v1/deals/${deal.body.id}/associations/companies/999999`);
    expect(missing.status).toBe(404);
    const removed = await svc.request(
      'DELETE',
      `/api/v1/deals/${deal.body.id}/associations/companies/${co.body.id}`,
    );
    expect(removed.status).toBe(200);
    expect(
      (await svc.request('GET', `/api/v1/companies/${co.body.id}/associations/deals`)).body.results,
    ).toEqual([]);
  });

  it('pages through a list with an opaque cursor', async () => {
    await svc.request('POST', '/api/v1/deals/batch/create', {
      body: { inputs: Array.from({ length: 7 }, (_, i) => ({ name: `Paged ${i}`, stage: 'new' })) },
    });
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await svc.request('GET', `/api/v1/deals?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.results.map((d: any) => d.id));
      cursor = page.body.paging.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(7);
  });
});
