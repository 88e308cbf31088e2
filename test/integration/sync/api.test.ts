import { startStripeEmulator, type StripeEmulator } from '../../../sandbox/stripe';
import { SyncEngine } from '../../../src/sync/sync.engine';
import { startTestService, type TestService } from '../../support/service';
import { emulatorSettings, SECRET_KEY } from './support/sync-fixture';

describe('connections and sync runs over HTTP', () => {
  let svc: TestService;
  let emu: StripeEmulator;
  beforeAll(async () => {
    emu = await startStripeEmulator({ rateLimitScale: 40 });
    svc = await startTestService({ env: { LEDGERLINE_SECRET_KEY: SECRET_KEY } });
  });
  afterAll(async () => {
    await svc.close();
    await emu.close();
  });

  const createConnection = (body: unknown, role: 'admin' | 'finance' = 'admin') =>
    svc.request('POST', '/api/v1/connections', { body, role });

  it('stores credentials encrypted, never returns them, and validates vendor, credentials and settings', async () => {
    const created = await createConnection({
      name: 'Stripe',
      vendor: 'stripe',
      credentials: { api_key: 'sk_test_secret_value_123' },
      settings: emulatorSettings(emu),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ vendor: 'stripe', status: 'active', has_credentials: true });
    expect(JSON.stringify(created.body)).not.toContain('sk_test_secret_value_123');
    expect(created.body.credentials_enc).toBeUndefined();
    const stored = await svc.db('connections').where({ id: created.body.id }).first();
    expect(stored.credentials_enc).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(stored.credentials_enc).not.toContain('sk_test_secret_value_123');
    const list = await svc.request('GET', '/api/v1/connections', { role: 'viewer' });
    expect(JSON.stringify(list.body)).not.toContain('secret_value');
    const audit = await svc.db('audit_log').where({ object: 'connection' });
    expect(JSON.stringify(audit)).not.toContain('secret_value');

    const bad = await createConnection({ name: 'x', vendor: 'paypal', credentials: { api_key: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'vendor' })]);
    const badKey = await createConnection({
      name: 'x',
      vendor: 'stripe',
      credentials: { api_key: 'pk_test_abc' },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].field).toBe('credentials.api_key');
    const badSetting = await createConnection({ name: 'x', vendor: 'stripe', settings: { port: 'eighty' } });
    expect(badSetting.status).toBe(400);
    expect(badSetting.body.errors[0].field).toBe('settings.port');
    expect(await svc.db('connections').count({ n: '*' })).toEqual([{ n: 1 }]);

    const patched = await svc.request('PATCH', `/api/v1/connections/${created.body.id}`, {
      body: { name: 'Stripe (sandbox)', credentials: { api_key: 'sk_test_rotated_456' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Stripe (sandbox)', version: 2, has_credentials: true });
    expect(JSON.stringify(patched.body)).not.toContain('rotated');
  });

  it('plans without writing, then runs: creates customers and counts them; bad input is a 4xx', async () => {
    const conn = (await svc.request('GET', '/api/v1/connections')).body.results[0];
    const ok = await svc.request('POST', '/api/v1/contacts/batch/create', {
      body: {
        inputs: [
          { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' },
          { first_name: 'Alan', email: 'alan@example.com' },
          // Stripe allows 20 characters for a phone: the plan reports it as a validation failure.
          { first_name: 'Long', email: 'long@example.com', phone: '+1 555 0100 0100 0100 0100' },
        ],
      },
    });
    expect(ok.status).toBe(201);
    emu.control.resetCounters();

    const plan = await svc.request('POST', '/api/v1/sync/runs', {
      body: { connection_id: conn.id, object: 'contact', plan: true },
      role: 'finance',
    });
    expect(plan.status).toBe(202);
    expect(plan.body).toMatchObject({
      plan: true,
      status: 'partial',
      total: 3,
      created: 2,
      failed: 1,
      updated: 0,
    });
    const items = plan.body.items.items as any[];
    expect(items.filter((i) => i.action === 'create')).toHaveLength(2);
    expect(items.find((i) => i.action === 'invalid').errors[0]).toMatchObject({ field: 'phone' });
    expect(items[0].payload.metadata).toMatchObject({ ledgerline_object: 'contact' });
    expect(emu.control.counters().writeCalls).toBe(0);
    expect(await svc.db('external_links').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await svc.db('sync_deliveries').count({ n: '*' })).toEqual([{ n: 0 }]);

    const run = await svc.request('POST', '/api/v1/sync/runs', {
      body: { connection_id: conn.id, object: 'contact' },
    });
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ plan: false, status: 'running', total: 3 });
    await svc.app.get(SyncEngine).round();
    const done = await svc.request('GET', `/api/v1/sync/runs/${run.body.id}`, { role: 'viewer' });
    expect(done.body).toMatchObject({ status: 'partial', created: 2, failed: 1 });
    expect(emu.control.counters().writeCalls).toBe(2);
    const health = await svc.request('GET', `/api/v1/connections/${conn.id}`, { role: 'viewer' });
    expect(health.body.health).toMatchObject({ waiting: 0, in_flight: 0, dead: 1, open_errors: 1 });
    expect(health.body.health.last_run).toMatchObject({ id: expect.any(Number), status: expect.any(String) });
    const errors = await svc.db('sync_errors').whereNull('resolved_at');
    expect(errors).toEqual([expect.objectContaining({ code: 'validation', retryable: false })]);

    const runs = await svc.request('GET', `/api/v1/sync/runs?connection_id=${conn.id}`);
    const pushes = runs.body.results.filter((r: any) => r.kind === 'push');
    expect(pushes.map((r: any) => [r.id, r.plan, r.status, r.created])).toEqual([
      [run.body.id, false, 'partial', 2],
      [plan.body.id, true, 'partial', 2],
    ]);

    for (const [body, field] of [
      [{ object: 'contact' }, 'connection_id'],
      [{ connection_id: conn.id, object: 'invoice' }, 'object'],
      [{ connection_id: 999999 }, 'connection_id'],
      [{ connection_id: conn.id, plan: 'yes' }, 'plan'],
    ] as const) {
      const res = await svc.request('POST', '/api/v1/sync/runs', { body });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe(field);
    }
    expect((await svc.request('GET', '/api/v1/sync/runs/999999')).status).toBe(404);
  });
});
