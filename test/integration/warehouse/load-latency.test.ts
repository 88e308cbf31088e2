import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedCommerce } from '../../../src/seed/generators/commerce.generator';
import { WarehouseService } from '../../../src/warehouse/warehouse.service';
import { startTestService, TestService } from '../../support/service';

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
};

/**
 * The API's p95 during a warehouse load stays within 2× of idle. Measured relative to idle on
 * the same machine, alternating idle and loaded blocks so background noise (a shared 2-core
 * box) hits both sides alike; each side gets a few hundred samples.
 */
describe('API latency during a warehouse load', () => {
  let svc: TestService;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wh-lat-'));
    svc = await startTestService({ env: { WAREHOUSE_PATH: join(dir, 'w.duckdb'), DATA_DIR: dir } });
    // ≈ 20k invoices, 60k lines, 20k payments: a load lasting a couple of seconds.
    await seedCommerce(svc.db, { profile: 'bench', scale: 0.02, seed: 3 });
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps p95 within 2× of idle', async () => {
    const warehouse = svc.app.get(WarehouseService);
    const sample = async () => {
      const t0 = performance.now();
      const res = await svc.request('GET', '/api/v1/companies?limit=20', { role: 'viewer' });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) await sample(); // warm-up
    // Alternating idle and loaded blocks, pooled: slow drifts in outside load (other test files
    // on the other core) hit both sides alike, and each side gets hundreds of samples.
    const idle: number[] = [];
    const loaded: number[] = [];
    for (let block = 0; block < 4; block++) {
      for (let i = 0; i < 100; i++) idle.push(await sample());
      const run = await warehouse.trigger('full', 'test');
      let settled = false;
      void run.done.then(() => (settled = true));
      let n = 0;
      while (!settled || n < 20) {
        loaded.push(await sample());
        n++;
      }
      expect(await run.done).not.toBeNull();
    }
    const idleP95 = p95(idle);
    const loadP95 = p95(loaded);
    console.log(
      `API p95 idle ${idleP95.toFixed(2)} ms (${idle.length}), during load ${loadP95.toFixed(2)} ms (${loaded.length})`,
    );
    expect(loaded.length).toBeGreaterThan(200);
    // A floor of 2 ms keeps sub-millisecond idle timings from turning jitter into failures.
    expect(loadP95).toBeLessThanOrEqual(2 * Math.max(idleP95, 2));
  }, 180_000);
});
