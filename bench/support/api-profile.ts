/**
 * CPU cost per request of the api bench's three HTTP phases, for judging changes on a loaded
 * machine (wall-clock latencies there are mostly queueing): the service's main-thread CPU and the
 * PostgreSQL backends' CPU (their /proc stat), per request. Needs DATABASE_URL pointing at a
 * database the api bench has already seeded (any scale) and PostgreSQL on this machine.
 *   node dist/bench/support/api-profile.js [--requests N] [--phases batch,list,deep]
 * Add `node --cpu-prof` to profile the service (the load client runs in a worker thread).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildService } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/app/config';
import { createDb } from '../../src/app/database';
import { INDUSTRIES } from '../../src/seed/crm.generator';
import { Rng } from '../../src/seed/rng';
import { runLoad, type LoadRequest } from './http-load';

const KEY = `ll_prof_${randomBytes(16).toString('hex')}`;
const argOf = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

/** utime + stime of a thread or process in ms (Linux, 100 Hz ticks). */
function cpuMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL must name a seeded api bench database');
  const requests = Number(argOf('requests', '400'));
  const phases = argOf('phases', 'batch,list,deep').split(',');
  const db = await createDb({ databaseUrl: url, poolMax: 20 });
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
    LEDGERLINE_ADMIN_KEY: KEY,
    LEDGERLINE_DEMO: 'false',
    DATA_DIR: '/tmp/ledgerline-profile',
  });
  const service = await buildService(config, { db, log: pino({ level: 'silent' }), schedule: false });
  await service.app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(service.app.getHttpServer().address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const dbName = new URL(url).pathname.slice(1);
  const pgCpu = async () => {
    const res = await db.raw('select pid from pg_stat_activity where datname = ?', [dbName]);
    return (res.rows as { pid: number }[]).reduce((s, r) => s + cpuMs(`/proc/${r.pid}/stat`), 0);
  };
  const measure = async (name: string, reqs: LoadRequest[]) => {
    await runLoad({ origin, headers, requests: reqs.slice(0, 16), concurrency: 8 }); // warm
    const n0 = cpuMs(`/proc/${process.pid}/task/${process.pid}/stat`);
    const p0 = await pgCpu();
    const t0 = performance.now();
    const times = await runLoad({ origin, headers, requests: reqs, concurrency: 8 });
    const wall = performance.now() - t0;
    const node = (cpuMs(`/proc/${process.pid}/task/${process.pid}/stat`) - n0) / reqs.length;
    const pg = ((await pgCpu()) - p0) / reqs.length;
    const sorted = times.sort((a, b) => a - b);
    const p = (x: number) => sorted[Math.floor(x * (sorted.length - 1))].toFixed(2);
    process.stdout.write(
      `${name.padEnd(6)} node_ms/req ${node.toFixed(3)}  pg_ms/req ${pg.toFixed(3)}  ` +
        `p50 ${p(0.5)} p95 ${p(0.95)}  wall_ms/req ${(wall / reqs.length).toFixed(3)}\n`,
    );
  };
  const listUrl = (industry: string, cursor?: string) =>
    `/api/v1/contacts?filter[company_industry][eq]=${industry}&filter[created_at][gte]=last_90_days&sort=last_name&limit=50${cursor ? `&cursor=${cursor}` : ''}`;
  try {
    if (phases.includes('batch')) {
      const rng = new Rng(Date.now() % 1000);
      const [{ lo, hi }] = await db('companies').min({ lo: 'id' }).max({ hi: 'id' });
      const tag = randomBytes(3).toString('hex');
      const body = (b: number) =>
        JSON.stringify({
          inputs: Array.from({ length: 100 }, (_, i) => ({
            first_name: 'Bench',
            last_name: `Batch${b}`,
            email: `prof.${tag}.${b}.${i}@load.example`,
            company_id: rng.chance(0.9) ? rng.int(Number(lo), Number(hi)) : null,
          })),
        });
      await measure(
        'batch',
        Array.from({ length: requests }, (_, b) => ({
          method: 'POST',
          path: '/api/v1/contacts/batch/create',
          body: body(b),
        })),
      );
    }
    if (phases.includes('list'))
      await measure(
        'list',
        Array.from({ length: requests }, (_, i) => ({
          method: 'GET',
          path: listUrl(INDUSTRIES[i % INDUSTRIES.length]),
        })),
      );
    if (phases.includes('deep')) {
      const deep: string[] = [];
      for (const ind of INDUSTRIES) {
        let cursor: string | undefined;
        for (let page = 1; page < 50; page++) {
          const res = await fetch(`${origin}${listUrl(ind, cursor)}`, { headers });
          const json = (await res.json()) as { paging: { next?: string } };
          if (!json.paging.next) break;
          cursor = json.paging.next;
        }
        if (cursor) deep.push(listUrl(ind, cursor));
      }
      await measure(
        'deep',
        Array.from({ length: requests }, (_, i) => ({ method: 'GET', path: deep[i % deep.length] })),
      );
    }
  } finally {
    await service.app.close();
    await db.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
