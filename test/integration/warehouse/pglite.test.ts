import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService, TestService } from '../../support/service';
import { loadFixture } from './fixture';

// The embedded default: PGlite's single connection, keyset pages, the in-process loader lock.
describe('warehouse on embedded PGlite through the API', () => {
  let svc: TestService;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wh-lite-'));
    svc = await startTestService({
      engine: 'pglite',
      env: { WAREHOUSE_PATH: join(dir, 'w.duckdb'), DATA_DIR: dir },
    });
    await loadFixture(svc.db);
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds on demand, then refreshes incrementally while the API keeps answering', async () => {
    const wait = async () => {
      for (let i = 0; i < 1200; i++) {
        const s = (await svc.request('GET', '/api/v1/warehouse/status')).body;
        if (!s.running) return s;
        // The API answers between keyset pages.
        expect((await svc.request('GET', '/api/v1/companies?limit=1', { role: 'viewer' })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('load did not finish');
    };
    expect((await svc.request('POST', '/api/v1/warehouse/refresh', { body: { kind: 'full' } })).status).toBe(
      202,
    );
    expect((await wait()).runs[0]).toMatchObject({ kind: 'full', status: 'succeeded' });
    const before = await svc.request(
      'GET',
      '/api/v1/reports/revenue?from=2024-03&to=2024-03&segment=mid_market',
      { role: 'analyst' },
    );
    expect(before.body.rows).toEqual([expect.objectContaining({ billed_minor: 10500 })]);

    await svc
      .db('companies')
      .where({ name: 'Customer 9' })
      .update({ annual_revenue_minor: 10_000_000_000_000, updated_at: svc.db.fn.now() });
    expect((await svc.request('POST', '/api/v1/warehouse/refresh', {})).status).toBe(202);
    const status = await wait();
    expect(status.runs[0]).toMatchObject({ kind: 'incremental', status: 'succeeded' });
    expect(status.runs[0].rows.extracted).toMatchObject({ companies: 1 });
    const after = await svc.request(
      'GET',
      '/api/v1/reports/revenue?from=2024-03&to=2024-03&segment=enterprise',
      { role: 'analyst' },
    );
    expect(after.body.rows).toEqual([expect.objectContaining({ billed_minor: 10500 })]);
  });
});
