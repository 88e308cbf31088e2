import type { AccessLevel, Role } from '../../src/app/auth/access';
import { ROLES } from '../../src/app/auth/access';
import { startTestService, TestService } from '../support/service';

/**
 * Every route Fastify knows must appear here with the access level it should have; a new route
 * missing from this table fails the test, so nothing escapes the matrix. The expected grants are
 * written out by hand, not read from the code under test.
 */
const EXPECTED: Record<string, AccessLevel> = {
  'GET /api/v1/health': 'public',
  // billing (src/billing)
  'GET /api/v1/invoices': 'read',
  'POST /api/v1/invoices': 'write',
  'GET /api/v1/invoices/:id': 'read',
  'PATCH /api/v1/invoices/:id': 'write',
  'POST /api/v1/invoices/:id/finalize': 'write',
  'POST /api/v1/invoices/:id/send': 'write',
  'POST /api/v1/invoices/:id/mark-paid': 'write',
  'POST /api/v1/invoices/:id/void': 'write',
  'POST /api/v1/invoices/:id/mark-uncollectible': 'write',
  'POST /api/v1/invoices/:id/credit-notes': 'write',
  'GET /api/v1/invoices/:id/pdf': 'read',
  'GET /api/v1/templates': 'read',
  'POST /api/v1/templates': 'write',
  'GET /api/v1/templates/:id': 'read',
  'PATCH /api/v1/templates/:id': 'write',
  'POST /api/v1/templates/:id/preview': 'read',
  'GET /api/v1/billing/settings': 'read',
  'PUT /api/v1/billing/settings': 'admin',
  'POST /api/v1/billing/jobs/daily': 'admin',
  'GET /api/v1/receipts/:id': 'read',
  'GET /api/v1/receipts/:id/pdf': 'read',
  'POST /api/v1/receipts/:id/resend': 'write',
  'GET /api/v1/email-outbox': 'read',
  'POST /api/v1/email-outbox/dispatch': 'admin',
  'POST /api/v1/email-outbox/:id/retry': 'admin',
  'GET /pay/invoice/:token': 'public',
  'POST /pay/invoice/:token/checkout': 'public',
  // payments (src/payments, issue 6)
  'GET /api/v1/payments': 'read',
  'POST /api/v1/payments': 'write',
  'POST /api/v1/payments/pull': 'admin',
  'GET /api/v1/payments/:id': 'read',
  'POST /api/v1/payments/:id/refunds': 'write',
  'POST /api/v1/payouts/summary': 'admin',
  'GET /api/v1/refunds': 'read',
  'GET /api/v1/disputes': 'read',
  'GET /api/v1/payouts': 'read',
  'GET /api/v1/payouts/:id': 'read',
  'POST /api/v1/webhooks/stripe': 'public',
  'GET /api/docs': 'public',
  'GET /api/docs/*': 'public',
  'GET /api/docs.json': 'public',
  'GET /api/docs.yaml': 'public',
  'GET /api/v1/api-keys': 'admin',
  'POST /api/v1/api-keys': 'admin',
  'DELETE /api/v1/api-keys/:id': 'admin',
  ...crud('companies'),
  ...crud('contacts'),
  ...crud('deals'),
  ...crud('products'),
  ...crud('tax-rates'),
  'GET /api/v1/:object/:id/associations/:toObject': 'read',
  'PUT /api/v1/:object/:id/associations/:toObject/:toId': 'write',
  'DELETE /api/v1/:object/:id/associations/:toObject/:toId': 'write',
  // Query layer (issue 4): saved views are per-API-key settings (read); lists are CRM data.
  'GET /api/v1/saved-views': 'read',
  'GET /api/v1/saved-views/:id': 'read',
  'POST /api/v1/saved-views': 'read',
  'PATCH /api/v1/saved-views/:id': 'read',
  'DELETE /api/v1/saved-views/:id': 'read',
  'GET /api/v1/lists': 'read',
  'GET /api/v1/lists/:id': 'read',
  'POST /api/v1/lists': 'write',
  'PATCH /api/v1/lists/:id': 'write',
  'DELETE /api/v1/lists/:id': 'write',
  'GET /api/v1/lists/:id/members': 'read',
  'POST /api/v1/lists/:id/members': 'write',
  'POST /api/v1/lists/:id/members/remove': 'write',
  'POST /api/v1/lists/:id/refresh': 'write',
  // Sync engine (issue 5): connections hold vendor credentials (admin); runs are started by finance too.
  'GET /api/v1/connections': 'read',
  'GET /api/v1/connections/:id': 'read',
  'POST /api/v1/connections': 'admin',
  'PATCH /api/v1/connections/:id': 'admin',
  'DELETE /api/v1/connections/:id': 'admin',
  'GET /api/v1/connections/:id/mappings': 'read',
  'PUT /api/v1/connections/:id/mappings/:object': 'admin',
  'GET /api/v1/connections/:id/errors': 'read',
  'GET /api/v1/sync/runs': 'read',
  'GET /api/v1/sync/runs/:id': 'read',
  'POST /api/v1/sync/runs': 'write',
  // Warehouse and reports (issue 8): analysts read reports and run SQL; loads/exports are writes.
  'POST /api/v1/warehouse/refresh': 'write',
  'GET /api/v1/warehouse/status': 'report',
  'GET /api/v1/warehouse/settings': 'report',
  'PUT /api/v1/warehouse/settings': 'admin',
  'POST /api/v1/warehouse/export': 'write',
  'GET /api/v1/reports': 'report',
  'GET /api/v1/reports/:name': 'report',
  'POST /api/v1/reports/sql': 'report',
  // Dashboards (issue 9): public to the API guard (browsers send no key header); the controller
  // requires a session cookie from a report-capable key itself (test/integration/dashboards).
  'GET /dashboards': 'public',
  'GET /dashboards/*': 'public',
  'GET /dashboards/login': 'public',
  'POST /dashboards/login': 'public',
  'POST /dashboards/logout': 'public',
  'GET /api/v1/dashboards/status': 'report',
  'POST /api/v1/dashboards/rebuild': 'write',
};

function crud(path: string): Record<string, AccessLevel> {
  return {
    [`GET /api/v1/${path}`]: 'read',
    [`GET /api/v1/${path}/:id`]: 'read',
    [`POST /api/v1/${path}`]: 'write',
    [`PATCH /api/v1/${path}/:id`]: 'write',
    [`DELETE /api/v1/${path}/:id`]: 'write',
    [`POST /api/v1/${path}/:id/restore`]: 'write',
    [`POST /api/v1/${path}/batch/create`]: 'write',
    [`POST /api/v1/${path}/batch/update`]: 'write',
  };
}

const ALLOWED: Record<Exclude<AccessLevel, 'public'>, Role[]> = {
  read: ['admin', 'finance', 'analyst', 'viewer'],
  write: ['admin', 'finance'],
  report: ['admin', 'finance', 'analyst'],
  admin: ['admin'],
};

describe('role matrix over the route table', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  it('lists every registered route', () => {
    const missing = svc.routes.map((r) => `${r.method} ${r.url}`).filter((k) => !(k in EXPECTED));
    expect(missing).toEqual([]);
    const registered = new Set(svc.routes.map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(EXPECTED).filter((k) => !registered.has(k))).toEqual([]);
  });

  it('enforces each route’s access level for every role and without a key', async () => {
    const failures: string[] = [];
    for (const route of svc.routes) {
      const level = EXPECTED[`${route.method} ${route.url}`];
      if (!level) continue;
      const url = route.url
        .replace(/:object/g, 'companies')
        .replace(/:toObject/g, 'contacts')
        .replace(/:[A-Za-z]+|\*/g, '1');
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
      const anonymous = await svc.request(route.method, url, { role: null, body });
      if (level === 'public') {
        if ([401, 403].includes(anonymous.status))
          failures.push(`${route.method} ${route.url} public but ${anonymous.status}`);
        continue;
      }
      if (anonymous.status !== 401)
        failures.push(`${route.method} ${route.url} without key: ${anonymous.status}`);
      for (const role of ROLES) {
        const res = await svc.request(route.method, url, { role, body });
        const allowed = ALLOWED[level].includes(role);
        if (allowed && [401, 403].includes(res.status))
          failures.push(`${route.method} ${route.url} ${role}: ${res.status}`);
        if (!allowed && res.status !== 403)
          failures.push(`${route.method} ${route.url} ${role}: ${res.status}, want 403`);
        if (res.status >= 500) failures.push(`${route.method} ${route.url} ${role}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
