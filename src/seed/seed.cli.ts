import { migrateLatest } from '../../migrations';
import { ConfigError, loadConfig } from '../app/config';
import { createDb } from '../app/database';
import { createLogger } from '../app/logger';
import type { SeedContext } from './generator';
import { GENERATORS } from './registry';

export interface SeedArgs {
  profile: 'demo' | 'bench';
  scale: number;
  seed: number;
  only?: string[];
}

const USAGE = 'usage: npm run seed -- --profile demo|bench [--scale N] [--seed S] [--only crm,commerce]';

export function parseSeedArgs(argv: string[]): SeedArgs {
  const args: SeedArgs = { profile: 'demo', scale: 1, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    if (flag === '--profile') {
      if (value !== 'demo' && value !== 'bench') throw new Error(`--profile must be demo or bench\n${USAGE}`);
      args.profile = value;
    } else if (flag === '--scale') {
      args.scale = Number(value);
      if (!Number.isFinite(args.scale) || args.scale <= 0 || args.scale > 100)
        throw new Error(`--scale must be a number in (0, 100]\n${USAGE}`);
    } else if (flag === '--seed') {
      args.seed = Number(value);
      if (!Number.isSafeInteger(args.seed)) throw new Error(`--seed must be an integer\n${USAGE}`);
    } else if (flag === '--only') {
      args.only = value.split(',');
      const unknown = args.only.filter((n) => !GENERATORS.some((g) => g.name === n));
      if (unknown.length)
        throw new Error(
          `unknown generator ${unknown.join(', ')} (have ${GENERATORS.map((g) => g.name).join(', ')})`,
        );
    } else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return args;
}

/** Runs the registered generators in order against the configured database (DATABASE_URL or PGlite). */
export async function runSeed(ctx: Omit<SeedContext, 'profile' | 'scale' | 'seed'>, args: SeedArgs) {
  const counts: Record<string, Record<string, number>> = {};
  const chosen = GENERATORS.filter((g) => !args.only || args.only.includes(g.name)).sort(
    (a, b) => a.order - b.order,
  );
  for (const g of chosen) {
    const started = Date.now();
    counts[g.name] = await g.run({ ...ctx, profile: args.profile, scale: args.scale, seed: args.seed });
    ctx.log.info({ generator: g.name, ms: Date.now() - started, ...counts[g.name] }, 'generator done');
  }
  return counts;
}

async function main() {
  const args = parseSeedArgs(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const db = await createDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
  try {
    await migrateLatest(db);
    const started = Date.now();
    const counts = await runSeed({ db, log }, args);
    process.stdout.write(`${JSON.stringify({ ...args, ms: Date.now() - started, counts })}\n`);
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(
      `${err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err))}\n`,
    );
    process.exit(1);
  });
}
