import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPages, ROW_GROUP_ROWS } from '../../../warehouse/extract';
import { WarehouseLoader } from '../../../warehouse/loader';
import { SOURCES } from '../../../warehouse/sources';
import { createTestDatabase, TestDatabase } from '../../support/db';
import { AS_OF, loadFixture } from './fixture';
import { diffWarehouses, query } from './helpers';

// The full load copies whole tables, and splits one into id ranges only when its heap dwarfs a
// lane's share: here line_items gets wide rows with ids spread over 1.4M, so 8 lanes split it.
describe('full load pages', () => {
  let tdb: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    await loadFixture(tdb.db);
    await tdb.db
      .raw(`INSERT INTO line_items (id, owner_type, owner_id, position, quantity, unit_price_minor, currency, description, amount_minor)
      SELECT 1000000 + g * 200, 'quote', 1, g, 1, g, 'USD', repeat('x', 600), g FROM generate_series(1, 2000) AS g`);
    await tdb.db.raw(`ANALYZE`);
    dir = mkdtempSync(join(tmpdir(), 'wh-pages-'));
  });
  afterAll(async () => {
    await tdb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('splits only the big table, into contiguous row-group-aligned id ranges', async () => {
    const present = SOURCES.filter((s) => !s.optional);
    const whole = await planPages(tdb.db, present, 1);
    expect(whole.every((p) => !p.ids)).toBe(true);
    const pages = await planPages(tdb.db, present, 8);
    const split = pages.filter((p) => p.ids);
    expect(new Set(split.map((p) => p.src.table))).toEqual(new Set(['line_items']));
    expect(split.length).toBeGreaterThan(1);
    const { lo, hi } = (await tdb.db('line_items').min('id as lo').max('id as hi').first()) as any;
    expect(split[0].ids!.from).toBe(Number(lo));
    expect(split[split.length - 1].ids!.to).toBe(Number(hi));
    for (let i = 0; i < split.length; i++) {
      const { from, to } = split[i].ids!;
      if (i > 0) expect(from).toBe(split[i - 1].ids!.to + 1);
      if (i < split.length - 1) expect((to - from + 1) % ROW_GROUP_ROWS).toBe(0);
    }
  });

  it('loads the same warehouse whole or split across lanes', async () => {
    const one = join(dir, 'one.duckdb');
    const many = join(dir, 'many.duckdb');
    await new WarehouseLoader({ db: tdb.db, path: one, asOf: AS_OF, copyConcurrency: 1 }).run('full');
    await new WarehouseLoader({ db: tdb.db, path: many, asOf: AS_OF, copyConcurrency: 8 }).run('full');
    const [{ n }] = await query(many, `SELECT count(*) AS n FROM raw_line_items`);
    const pgCount = Number((await tdb.db('line_items').count('* as n').first())!.n);
    expect(n).toBe(pgCount);
    const diff = await diffWarehouses(one, many);
    expect(Object.entries(diff).filter(([, [a, b]]) => a || b)).toEqual([]);
  });
});
