import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { SECRET_KEY } from './sync-fixture';

export interface ChildMessage {
  stage?: string;
  id?: number;
  localId?: number;
  settled?: number;
  outcome?: string;
  attempts?: number;
  done?: boolean;
  handled?: number;
  error?: string;
}

/** Forks the worker entry script (TypeScript, compiled on load by swc-register.js). */
export function forkWorker(env: Record<string, string>): ChildProcess {
  return fork(join(__dirname, 'worker-child.ts'), [], {
    execArgv: ['--no-warnings', '-r', join(__dirname, 'swc-register.js')],
    env: { ...process.env, LEDGERLINE_SECRET_KEY: SECRET_KEY, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the exit code (null when killed by a signal). */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Small deterministic PRNG (mulberry32) so a failing kill schedule can be replayed by its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
