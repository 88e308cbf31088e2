/**
 * Stripe benchmark (issue 6): `npm run bench -- stripe [--scale K] [--push-scale P]`.
 * On real PostgreSQL (DATABASE_URL, or a fresh database on 127.0.0.1:5432 dropped afterwards),
 * through the service's own pull and sync engine against the in-process Stripe emulator:
 *  - backfill K × 100,000 charges (with refunds, disputes, payouts and their balance transactions)
 *    under Stripe's test-mode limit (25 requests/s × 100 objects per page = 2,500 objects/s):
 *    backfill_records_per_s, backfill_ceiling_share, backfill_calls_per_record;
 *  - the same history again with every limit off: backfill_unlimited_records_per_s (links,
 *    payments, outbox and audit rows are all written, as in production);
 *  - push K × 10,000 contacts as customers under a limit of P × 25 requests/s (default P = 4,
 *    Stripe's live-mode 100/s, so the default run takes ~100 s instead of 400 s at test-mode pace):
 *    push_rate_share (calls/s over the allowed rate), push_429_count (429s the emulator answered);
 *  - an unchanged full re-run: resync_write_calls (write requests the emulator saw; target 0).
 * Each backfill is checked, not only counted: every charge's balance transaction points at its
 * payment, which carries that fee and payout; refunds carry theirs; every payout is composed.
 * While iterating: `--only limited|unlimited|push` runs one phase (a partial JSON line);
 * LL_QUERY_STATS=1 prints time per query shape and the PostgreSQL backends' CPU.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startStripeEmulator, type StripeEmulator } from '../sandbox/stripe';
import { SYSTEM_ACTOR } from '../src/app/auth/access';
import { buildService } from '../src/app/bootstrap';
import { loadConfig } from '../src/app/config';
import { createDb } from '../src/app/database';
import { migrateLatest } from '../migrations';
import { PaymentPullService, type PullSummary } from '../src/payments/payment-pull.service';
import { SyncEngine } from '../src/sync/sync.engine';
import { benchDatabase } from './support/bench-db';

const CEILING = 25 * 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const log = (msg: string) => process.stderr.write(`[stripe bench] ${msg}\n`);

async function main() {
  const scale = arg('scale', 1);
  const pushScale = arg('push-scale', 4);
  const charges = Math.max(100, Math.round(100_000 * scale));
  const contacts = Math.max(100, Math.round(10_000 * scale));

  const benchDb = await benchDatabase('ll_bench_stripe');
  const dbUrl = benchDb.url;
  const db = await createDb({ databaseUrl: dbUrl });
  // LL_QUERY_STATS=1: time per query shape, printed at the end (to see where a phase's time goes).
  const qstats = new Map<string, { n: number; ms: number }>();
  if (process.env.LL_QUERY_STATS) {
    const started = new Map<string, { t: number; key: string }>();
    db.on('query', (q: { __knexQueryUid: string; sql: string }) =>
      started.set(q.__knexQueryUid, { t: performance.now(), key: q.sql.replace(/\s+/g, ' ').slice(0, 90) }),
    );
    db.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
      const s = started.get(q.__knexQueryUid);
      if (!s) return;
      started.delete(q.__knexQueryUid);
      const e = qstats.get(s.key) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += performance.now() - s.t;
      qstats.set(s.key, e);
    });
    process.on('exit', () => {
      for (const [k, v] of [...qstats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
        process.stderr.write(
          `${Math.round(v.ms).toString().padStart(7)} ms ${String(v.n).padStart(6)}× ${k}\n`,
        );
    });
  }
  const emulators: StripeEmulator[] = [];
  try {
    await migrateLatest(db);
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      LEDGERLINE_DEMO: 'false',
      DATABASE_URL: dbUrl,
      LEDGERLINE_SECRET_KEY: randomBytes(32).toString('base64'),
      LEDGERLINE_ADMIN_KEY: `ll_bench_${randomBytes(16).toString('hex')}`,
    });
    const service = await buildService(config, { db, log: pino({ level: 'silent' }), schedule: false });
    try {
      const engine = service.app.get(SyncEngine);
      const pulls = service.app.get(PaymentPullService);

      /** A connection to a fresh emulator; `scale` 0 = no limit on either side. */
      const connect = async (name: string, limitScale: number, extra: Record<string, unknown> = {}) => {
        const emu = await startStripeEmulator({ rateLimitScale: limitScale });
        emulators.push(emu);
        const c = await engine.connections.create(SYSTEM_ACTOR, {
          name,
          vendor: 'stripe',
          credentials: { api_key: 'sk_test_bench' },
          settings: {
            host: emu.host,
            port: emu.port,
            protocol: 'http',
            rate_limit_scale: limitScale || 1000,
            ...extra,
          },
        });
        return { emu, id: c.id };
      };
      const history = (emu: StripeEmulator) =>
        emu.control.seedHistory({ charges, days: 90, refundEvery: 10, disputeEvery: 250, achEvery: 7 });
      const backfill = async (name: string, limitScale: number) => {
        const { emu, id } = await connect(name, limitScale);
        const made = history(emu);
        log(`${name}: ${JSON.stringify(made)}; pulling`);
        const t = performance.now();
        const cpu = process.cpuUsage();
        const summary: PullSummary = await pulls.pull(id);
        const s = (performance.now() - t) / 1000;
        const used = process.cpuUsage(cpu);
        log(`${name}: this process used ${round((used.user + used.system) / 1e6, 1)} s of CPU`);
        if (process.env.LL_QUERY_STATS) {
          // PostgreSQL backends of this database, CPU since they started (same machine only).
          const pids = await db.raw('select pid from pg_stat_activity where datname = current_database()');
          let ticks = 0;
          for (const { pid } of pids.rows as { pid: number }[]) {
            try {
              const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
              ticks += Number(f[11]) + Number(f[12]);
            } catch {
              /* not visible here */
            }
          }
          log(`${name}: PostgreSQL backends used ${round(ticks / 100, 1)} s of CPU so far`);
        }
        if (summary.mode !== 'backfill') throw new Error(`expected a backfill, got ${summary.mode}`);
        const payments = Number((await db('payments').where({ connection_id: id }).count({ n: '*' }))[0].n);
        if (payments !== charges) throw new Error(`${name}: ${payments} payments, expected ${charges}`);
        // Links count as ingested only when right: every charge transaction points at its payment,
        // which carries its fee and payout; every payout is composed.
        const { rows: bad } = await db.raw(
          `select
             (select count(*)::int from balance_transactions b join payments p on p.processor_id = b.source_external_id
               where b.connection_id = :id and (b.payment_id is distinct from p.id or p.fee_minor <> b.fee_minor
                 or (b.payout_id is not null and p.payout_id is distinct from b.payout_id))) as payments,
             (select count(*)::int from balance_transactions b join refunds r on r.processor_id = b.source_external_id
               where b.connection_id = :id and (b.refund_id is distinct from r.id
                 or (b.payout_id is not null and r.payout_id is distinct from b.payout_id))) as refunds,
             (select count(*)::int from payouts where connection_id = :id and composed_at is null) as payouts`,
          { id },
        );
        if (bad[0].payments || bad[0].refunds || bad[0].payouts)
          throw new Error(`${name}: links missing ${JSON.stringify(bad[0])}`);
        log(`${name}: ${summary.records} records, ${summary.calls} calls in ${round(s, 1)} s`);
        const counters = emu.control.counters();
        // The next phase must not run beside this emulator's history (hundreds of MB of heap the
        // service's garbage collector would keep marking): Stripe's servers are not in our process.
        await emu.close();
        emulators.splice(emulators.indexOf(emu), 1);
        // Nor beside autovacuum catching up on this phase's 200k+ fresh rows, or a checkpoint
        // flushing them: the next phase starts from a settled database (not timed).
        await db.raw('vacuum analyze');
        await db.raw('checkpoint');
        return { summary, s, counters };
      };

      // `--only unlimited` (etc.) while iterating: the skipped phases' figures print as 0.
      const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
      const skipped = { summary: { records: 0, calls: 0 }, s: 1 };
      const limited = !only || only === 'limited' ? await backfill('Stripe limited', 1) : skipped;
      const limitedPerS = limited.summary.records / limited.s;
      const unlimited = !only || only === 'unlimited' ? await backfill('Stripe unlimited', 0) : skipped;
      const unlimitedPerS = unlimited.summary.records / unlimited.s;
      if (only && only !== 'push') {
        process.stdout.write(
          `${JSON.stringify({ bench: 'stripe', n: charges, scale, partial: only, figures: { backfill_records_per_s: Math.round(limitedPerS), backfill_ceiling_share: round(limitedPerS / CEILING, 3), backfill_unlimited_records_per_s: Math.round(unlimitedPerS), backfill_calls_per_record: round(limited.summary.calls / Math.max(1, limited.summary.records), 4) } })}\n`,
        );
        return;
      }

      // Push: contacts inserted directly (a full run enumerates the table).
      for (let i = 0; i < contacts; i += 1000) {
        const rows = Array.from({ length: Math.min(1000, contacts - i) }, (_, k) => ({
          first_name: `Bench${i + k}`,
          last_name: `Customer${i + k}`,
          email: `bench${i + k}@example.com`,
          country: 'US',
        }));
        await db('contacts').insert(rows);
      }
      const push = await connect('Stripe push', pushScale);
      const fullRun = async () => {
        const run = await engine.runs.start({ connectionId: push.id, object: 'contact', trigger: 'api' });
        for (let i = 0; i < 10_000; i++) {
          await engine.round();
          const now = await engine.runs.get(run.id);
          if (now.status !== 'running') return now;
        }
        throw new Error('push run did not finish');
      };
      push.emu.control.resetCounters();
      const tp = performance.now();
      const pushed = await fullRun();
      const pushS = (performance.now() - tp) / 1000;
      const pc = push.emu.control.counters();
      const pushCalls = Object.values(pc.requests).reduce((a, b) => a + b, 0);
      log(`push: ${JSON.stringify(pushed)} in ${round(pushS, 1)} s, ${pushCalls} calls`);
      if (pushed.created !== contacts) throw new Error(`push created ${pushed.created} of ${contacts}`);

      push.emu.control.resetCounters();
      const resync = await fullRun();
      const rc = push.emu.control.counters();
      log(`resync: ${JSON.stringify(resync)}`);

      const figures = {
        backfill_records_per_s: Math.round(limitedPerS),
        backfill_ceiling_share: round(limitedPerS / CEILING, 3),
        backfill_unlimited_records_per_s: Math.round(unlimitedPerS),
        backfill_calls_per_record: round(limited.summary.calls / limited.summary.records, 4),
        // Answered calls only: a 429 spends no allowance.
        push_rate_share: round((pushCalls - pc.rateLimited) / pushS / (25 * pushScale), 3),
        push_429_count: pc.rateLimited,
        resync_write_calls: rc.writeCalls,
        backfill_records: limited.summary.records,
        backfill_s: round(limited.s, 1),
        backfill_unlimited_s: round(unlimited.s, 1),
        push_customers_per_s: Math.round(contacts / pushS),
        push_allowed_rps: 25 * pushScale,
      };
      for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
      process.stdout.write(`${JSON.stringify({ bench: 'stripe', n: charges, scale, figures })}\n`);
    } finally {
      await service.app.close();
    }
  } finally {
    for (const e of emulators) await e.close();
    await db.destroy();
    await benchDb.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
