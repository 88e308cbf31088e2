import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AppConfig } from '../app/config';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key connection credentials are sealed with. LEDGERLINE_SECRET_KEY wins. Without it, the
 * embedded default (no DATABASE_URL: a single-machine, zero-config `npm start`) creates a random
 * 32-byte key once in DATA_DIR/secret.key (mode 0600) and reuses it, so the Stripe sandbox
 * connection can be stored without any setup. The file lives next to the PGlite data it protects;
 * that is no protection against someone with the disk, hence the warning. On PostgreSQL
 * (DATABASE_URL) the database may be shared or backed up elsewhere, so no key is invented there:
 * storing credentials is refused with a message naming LEDGERLINE_SECRET_KEY.
 */
export function resolveSecretKey(config: AppConfig, log?: Logger): string | undefined {
  if (config.secretKey) return config.secretKey;
  if (config.databaseUrl) return undefined;
  const path = join(config.dataDir, SECRET_KEY_FILE);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  try {
    // 'wx': two processes starting at once on the same directory never overwrite each other's key.
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
  log?.warn(
    { path },
    'LEDGERLINE_SECRET_KEY is not set: generated a key file for connection credentials on this machine. Production deployments should set LEDGERLINE_SECRET_KEY (openssl rand -base64 32).',
  );
  return key;
}
