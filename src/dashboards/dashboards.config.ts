import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { AppConfig } from '../app/config';
import { ConfigError } from '../app/config';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  /**
   * `key` (default): the browser signs in once with an API key whose role may read reports
   * (admin, finance, analyst) and gets a signed session cookie; `none`: anyone who can reach the
   * service sees the dashboards (for a trusted network or a proxy that authenticates).
   */
  DASHBOARDS_AUTH: z.enum(['key', 'none']).default('key'),
  /** Where published sites live (a `current` symlink to the newest). */
  DASHBOARDS_DIR: z.string().min(1).optional(),
  /** Rebuild in the background when the published warehouse file changed. */
  DASHBOARDS_REBUILD: bool.default(true),
  DASHBOARDS_POLL_SECONDS: z.coerce.number().int().min(1).max(86400).default(30),
  /** Background builds start at most this often (a build is a minute or more of CPU). */
  DASHBOARDS_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86400).default(300),
  DASHBOARDS_SESSION_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  /** The build command (JSON array of argv); defaults to `node scripts/reports-build.js`. */
  DASHBOARDS_BUILD_COMMAND: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        const argv = JSON.parse(v) as unknown;
        if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string')) {
          return argv;
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings, e.g. ["node","build.js"]' });
      return z.NEVER;
    }),
});

export interface DashboardsConfig {
  auth: 'key' | 'none';
  /** Published sites (DIR/current → DIR/site-…). */
  dir: string;
  warehousePath: string;
  rebuild: boolean;
  pollMs: number;
  minIntervalMs: number;
  sessionMs: number;
  /** argv of the build; the script receives --warehouse FILE --publish DIR after it. */
  buildCommand: string[];
  /** Secret the session cookie is signed with when sessions must survive restarts. */
  secretKey?: string;
  projectRoot: string;
}

/** The repository root: where package.json and scripts/ are, from src/ (jest) or dist/src/. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'reports-build.js')))
      return dir;
    dir = dirname(dir);
  }
  return resolve(from, '..', '..');
}

/** Reads the DASHBOARDS_* variables (fails fast at start, naming the variable). */
export function loadDashboardsConfig(app: AppConfig, env: NodeJS.ProcessEnv = process.env): DashboardsConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('DASHBOARDS_') && v),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const root = projectRoot();
  return {
    auth: e.DASHBOARDS_AUTH,
    dir: resolve(e.DASHBOARDS_DIR ?? join(app.dataDir, 'dashboards')),
    warehousePath: app.warehousePath,
    rebuild: e.DASHBOARDS_REBUILD,
    pollMs: e.DASHBOARDS_POLL_SECONDS * 1000,
    minIntervalMs: e.DASHBOARDS_MIN_INTERVAL_SECONDS * 1000,
    sessionMs: e.DASHBOARDS_SESSION_HOURS * 3_600_000,
    buildCommand: e.DASHBOARDS_BUILD_COMMAND ?? [process.execPath, join(root, 'scripts', 'reports-build.js')],
    secretKey: app.secretKey,
    projectRoot: root,
  };
}
