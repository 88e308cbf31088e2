import { startStripeEmulator, type StripeEmulator } from '../../../sandbox/stripe';
import { SyncEngine } from '../../../src/sync/sync.engine';
import { startTestService, type TestService } from '../../support/service';
import { emulatorSettings, listCustomers, SECRET_KEY } from './support/sync-fixture';

describe('mapping overrides and vendor rejections', () => {
  let svc: TestService;
  let emu: StripeEmulator;
  let connectionId: number;
  beforeAll(async () => {
    emu = await startStripeEmulator({ rateLimitScale: 40 });
    svc = await startTestService({ env: { LEDGERLINE_SECRET_KEY: SECRET_KEY } });
    const conn = await svc.request('POST', '/api/v1/connections', {
      body: {
        name: 'Stripe',
        vendor: 'stripe',
        credentials: { api_key: 'sk_test_map' },
        settings: emulatorSettings(emu),
      },
    });
    connectionId = conn.body.id;
  });
  afterAll(async () => {
    await svc.close();
    await emu.close();
  });

  const reference = [
    { to: 'metadata.ledgerline_id', from: '$id', transform: 'ref', required: true },
    { to: 'metadata.ledgerline_object', transform: 'constant', args: { value: 'contact' }, required: true },
  ];

  it('lists defaults, validates overrides, and recovers from a mapping Stripe rejects', async () => {
    const defaults = await svc.request('GET', `/api/v1/connections/${connectionId}/mappings`, {
      role: 'viewer',
    });
    expect(defaults.body.results.map((r: any) => [r.object, r.source])).toEqual([
      ['contact', 'default'],
      ['company', 'default'],
    ]);

    const badColumn = await svc.request('PUT', `/api/v1/connections/${connectionId}/mappings/contact`, {
      body: { fields: [{ to: 'name', from: 'nickname' }, ...reference] },
    });
    expect(badColumn.status).toBe(400);
    expect(badColumn.body.errors).toEqual([expect.objectContaining({ field: 'fields.0.from' })]);
    const badTransform = await svc.request('PUT', `/api/v1/connections/${connectionId}/mappings/contact`, {
      body: { fields: [{ to: 'name', from: 'first_name', transform: 'eval' }] },
    });
    expect(badTransform.status).toBe(400);
    expect(badTransform.body.errors[0].field).toBe('fields.0.transform');

    // Valid for us, but `nickname` is not a Stripe customer parameter: Stripe answers 400.
    const v1 = await svc.request('PUT', `/api/v1/connections/${connectionId}/mappings/contact`, {
      body: {
        fields: [{ to: 'nickname', from: 'first_name' }, { to: 'email', from: 'email' }, ...reference],
      },
    });
    expect(v1.status).toBe(200);
    expect(v1.body.mapping.version).toBe(1);
    const contact = await svc.request('POST', '/api/v1/contacts', {
      body: { first_name: 'Kay', email: 'kay@example.com' },
    });
    const engine = svc.app.get(SyncEngine);
    await engine.runs.start({ connectionId, object: 'contact', trigger: 'api' });
    await engine.round();
    const errors = await svc.request('GET', `/api/v1/connections/${connectionId}/errors`);
    expect(errors.body.results).toEqual([
      expect.objectContaining({ local_id: contact.body.id, code: 'parameter_unknown', retryable: false }),
    ]);
    expect(errors.body.results[0].message).toMatch(/nickname/);
    expect(await svc.db('external_links').count({ n: '*' })).toEqual([{ n: 0 }]); // the pending link was dropped

    const v2 = await svc.request('PUT', `/api/v1/connections/${connectionId}/mappings/contact`, {
      body: { fields: [{ to: 'name', from: 'first_name' }, { to: 'email', from: 'email' }, ...reference] },
    });
    expect(v2.body.mapping.version).toBe(2);
    await engine.runs.start({ connectionId, object: 'contact', trigger: 'api' });
    await engine.round();
    const customers = await listCustomers(emu);
    expect(customers).toEqual([expect.objectContaining({ name: 'Kay', email: 'kay@example.com' })]);
    expect((await svc.request('GET', `/api/v1/connections/${connectionId}/errors`)).body.results).toEqual([]);
    const listed = await svc.request('GET', `/api/v1/connections/${connectionId}/mappings`);
    expect(listed.body.results[0]).toMatchObject({
      object: 'contact',
      source: 'override',
      mapping: { version: 2 },
    });
  });
});
