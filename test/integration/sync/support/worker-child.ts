/**
 * A sync worker in its own process, for the crash and scale-out tests. It runs rounds until no
 * delivery is due, then reports and exits. Over IPC it reports each settled delivery and, with
 * PAUSE_AT_STAGES=1, stops at every step of the push window until the parent answers "go"
 * (or kills it with SIGKILL right there).
 */
import { createDb } from '../../../../src/app/database';
import { SyncEngine } from '../../../../src/sync/sync.engine';
import type { PushStage } from '../../../../src/sync/sync.types';

const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));

async function main() {
  const db = await createDb({ databaseUrl: process.env.DATABASE_URL, poolMax: 4 });
  const waiting = new Map<number, () => void>();
  let seq = 0;
  process.on('message', (m: { go?: number }) => {
    if (m.go !== undefined) waiting.get(m.go)?.();
  });
  const pause = process.env.PAUSE_AT_STAGES === '1';
  const engine = await SyncEngine.create({
    db,
    secretKey: process.env.LEDGERLINE_SECRET_KEY,
    hooks: {
      at: async (stage: PushStage, info) => {
        if (!pause) return;
        const id = ++seq;
        const go = new Promise<void>((resolve) => waiting.set(id, resolve));
        await send({ stage, id, localId: info.localId });
        await go;
        waiting.delete(id);
      },
    },
    worker: {
      workerId: process.env.WORKER_ID!,
      batchSize: Number(process.env.BATCH_SIZE ?? 10),
      leaseMs: 60_000,
      onSettled: (d, outcome) => void send({ settled: d.id, outcome, attempts: d.attempts }),
    },
  });
  await engine.worker.start();
  let handled = 0;
  for (let n = await engine.worker.drain(); n > 0; n = await engine.worker.drain()) handled += n;
  await engine.runs.refreshOpen();
  await send({ done: true, handled });
  await engine.close();
  await db.destroy();
  process.exit(0);
}

main().catch(async (err: Error) => {
  await send({ error: err.stack ?? String(err) });
  process.exit(1);
});
