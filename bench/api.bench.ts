/**
 * API benchmark (issue 4): `npm run bench -- api [--scale K] [--requests N]`.
 * Seeds K × (100k companies, 1M contacts, 1M payments) on real PostgreSQL (DATABASE_URL, or a fresh
 * database on 127.0.0.1:5432 that is dropped afterwards), starts the service on a port and measures
 * over HTTP at concurrency 8 (the client runs in a worker thread, see support/http-load.ts):
 *  - batch_create_per_s: contacts created per second via POST /contacts/batch/create (100 per
 *    request; a record = the contact + its outbox and audit rows),
 *  - list_p50_ms / list_p95_ms: contacts of one industry created in the last 90 days, sorted by
 *    last name, page 1,
 *  - deep_page_p95_ms: the same query at page 50 by cursor,
 *  - dynamic_list_s: recompute of "succeeded payment in the last 30 days" over all contacts.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import pino from 'pino';
import { buildService } from '../src/app/bootstrap';
import { loadConfig } from '../src/app/config';
import { createDb } from '../src/app/database';
import { migrateLatest } from '../migrations';
import { bulkInsert } from '../src/seed/bulk.repository';
import { CRM_SIZES, crmGenerator, INDUSTRIES } from '../src/seed/crm.generator';
import { Rng } from '../src/seed/rng';
import { benchDatabase } from './support/bench-db';
import { runLoad, type LoadRequest } from './support/http-load';

const CONCURRENCY = 8;
const ADMIN_KEY = `ll_bench_${randomBytes(16).toString('hex')}`;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** CPU ms used so far by this process's main thread (Linux /proc; the load client is a worker). */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in 100 Hz ticks
  } catch {
    return NaN;
  }
}

async function seedPayments(db: Knex, n: number, contactIds: [number, number], rng: Rng) {
  const [lo, hi] = contactIds;
  const now = Date.now();
  const chunk = 50_000;
  for (let done = 0; done < n; done += chunk) {
    const rows = Array.from({ length: Math.min(chunk, n - done) }, () => {
      const status = rng.chance(0.75) ? 'succeeded' : rng.pick(['failed', 'refunded', 'pending', 'canceled']);
      return {
        contact_id: rng.int(lo, hi),
        amount_minor: rng.int(5, 5000) * 100,
        currency: 'USD',
        method: rng.chance(0.8) ? 'card' : 'ach',
        status,
        paid_at: status === 'pending' ? null : new Date(now - rng.int(0, 365 * 86400) * 1000).toISOString(),
      };
    });
    await bulkInsert(db, 'payments', rows, { chunk: 10_000 });
  }
}

async function main() {
  const scale = arg('scale', 1);
  const listRequests = Math.round(arg('requests', 2000));
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const benchDb = await benchDatabase('ll_bench_api');
  const url = benchDb.url;
  const db = await createDb({ databaseUrl: url, poolMax: 20 });
  try {
    await migrateLatest(db);
    const sizes = CRM_SIZES.bench;
    const t0 = performance.now();
    const [{ n: existing }] = await db('contacts').count({ n: '*' });
    if (Number(existing) < sizes.contacts * scale * 0.9) {
      await crmGenerator.run({ db, log, profile: 'bench', scale, seed: 42 });
      const [{ lo, hi }] = await db('contacts').min({ lo: 'id' }).max({ hi: 'id' });
      await seedPayments(db, Math.round(1_000_000 * scale), [Number(lo), Number(hi)], new Rng(43));
      // Visibility map + statistics, as autovacuum would have them on a live database.
      await db.raw('vacuum analyze companies, contacts, payments');
    }
    // Measure the API, not the tail of the seed's write storm: a checkpoint the seed's WAL started
    // would otherwise still be flushing its dirty pages while the batch phase runs.
    await db.raw('checkpoint');
    const seedS = (performance.now() - t0) / 1000;
    log.info({ seconds: round(seedS, 1) }, 'seeded');

    const config = loadConfig({
      LOG_LEVEL: 'silent',
      DATABASE_URL: url,
      LEDGERLINE_ADMIN_KEY: ADMIN_KEY,
      LEDGERLINE_DEMO: 'false',
      DATA_DIR: '/tmp/ledgerline-bench',
    });
    const service = await buildService(config, { db, log: pino({ level: 'silent' }), schedule: false });
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = service.app.getHttpServer().address() as AddressInfo;
    const origin = `http://127.0.0.1:${addr.port}`;
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
      return JSON.parse(text);
    };

    try {
      // Batch create: 100 contacts per request; the same number of records at every scale ≥ 0.1.
      const rng = new Rng(7);
      const [{ lo: cLo, hi: cHi }] = await db('companies').min({ lo: 'id' }).max({ hi: 'id' });
      const batches = Math.max(20, Math.round(600 * Math.min(1, scale * 10)));
      const bodies = Array.from({ length: batches }, (_, b) => ({
        inputs: Array.from({ length: 100 }, (_, i) => ({
          first_name: 'Bench',
          last_name: `Batch${b}`,
          email: `bench.${b}.${i}@load.example`,
          company_id: rng.chance(0.9) ? rng.int(Number(cLo), Number(cHi)) : null,
        })),
      }));
      const batchReq = (b: unknown): LoadRequest => ({
        method: 'POST',
        path: '/api/v1/contacts/batch/create',
        body: JSON.stringify(b),
      });
      // CPU time of the server's thread per request: its own cost, whatever the machine's load.
      const busy: Record<string, number> = {};
      const load = async (requests: LoadRequest[], phase?: string) => {
        const c0 = mainThreadCpuMs();
        const times = await runLoad({ origin, headers, requests, concurrency: CONCURRENCY });
        if (phase) busy[phase] = round((mainThreadCpuMs() - c0) / requests.length, 3);
        return times;
      };
      await load(bodies.slice(0, 10).map(batchReq));
      const tb = performance.now();
      await load(bodies.slice(10).map(batchReq), 'batch');
      const batchPerS = ((batches - 10) * 100) / ((performance.now() - tb) / 1000);

      // Filtered, sorted list, page 1 (industries rotate so no single page stays hot).
      const listUrl = (industry: string, cursor?: string) =>
        `/api/v1/contacts?filter[company_industry][eq]=${industry}&filter[created_at][gte]=last_90_days&sort=last_name&limit=50${cursor ? `&cursor=${cursor}` : ''}`;
      const get = (path: string): LoadRequest => ({ method: 'GET', path });
      await load(INDUSTRIES.map((ind) => get(listUrl(ind))));
      const listTimes = await load(
        Array.from({ length: listRequests }, (_, i) => get(listUrl(INDUSTRIES[i % INDUSTRIES.length]))),
        'list',
      );

      // Page 50: walk to it once per industry, then fetch page 50 by its cursor repeatedly.
      const deepCursors: string[] = [];
      let depth = 50;
      for (const ind of INDUSTRIES) {
        let cursor: string | undefined;
        let page = 1;
        for (; page < 50; page++) {
          const res = await call('GET', listUrl(ind, cursor));
          if (!res.paging.next) break;
          cursor = res.paging.next;
        }
        // Small scales may not have 50 pages: measure the deepest page reached (reported).
        depth = Math.min(depth, cursor ? page : 1);
        if (cursor) deepCursors.push(listUrl(ind, cursor));
      }
      if (!deepCursors.length)
        throw new Error('no list has a second page at this scale: use a larger --scale');
      const deepTimes = await load(
        Array.from({ length: listRequests }, (_, i) => get(deepCursors[i % deepCursors.length])),
        'deep',
      );

      // Dynamic list over all contacts: created (first computation), then refreshed on demand.
      const tc = performance.now();
      const list = await call('POST', '/api/v1/lists', {
        name: 'Paid in the last 30 days',
        object: 'contact',
        kind: 'dynamic',
        filter: { payments: { where: { status: { eq: 'succeeded' }, paid_at: { eq: 'last_30_days' } } } },
      });
      const createS = (performance.now() - tc) / 1000;
      const refreshes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await call('POST', `/api/v1/lists/${list.id}/refresh`, {});
        refreshes.push((performance.now() - t) / 1000);
      }
      const figures = {
        batch_create_per_s: Math.round(batchPerS),
        list_p50_ms: round(pct(listTimes, 50)),
        list_p95_ms: round(pct(listTimes, 95)),
        deep_page_p95_ms: round(pct(deepTimes, 95)),
        deep_page_depth: depth,
        dynamic_list_s: round(Math.max(...refreshes), 3),
        dynamic_list_create_s: round(createS, 3),
        dynamic_list_members: list.member_count,
        seed_s: round(seedS, 1),
        server_ms_per_batch: busy.batch,
        server_ms_per_list: busy.list,
        server_ms_per_deep_page: busy.deep,
      };
      for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(24)} ${v}\n`);
      process.stdout.write(
        `${JSON.stringify({ bench: 'api', n: sizes.contacts * scale, scale, figures })}\n`,
      );
    } finally {
      await service.app.close();
    }
  } finally {
    await db.destroy();
    await benchDb.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
