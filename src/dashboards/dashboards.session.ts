import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'll_dashboards';

export interface Session {
  keyId: number;
  expiresAt: number;
}

/**
 * Signed session cookies for the dashboards: `v1.<api key id>.<expiry, unix s>.<HMAC-SHA256>`.
 * The cookie carries no secret; each request re-checks that the key is still active (revoking
 * the key ends its sessions). Signed with a key derived from LEDGERLINE_SECRET_KEY when set (so
 * sessions survive restarts and work across processes), else with a random per-process key.
 */
export class SessionSigner {
  private readonly key: Buffer;

  constructor(secret?: string) {
    this.key = secret
      ? createHash('sha256').update(`ledgerline dashboards session\0${secret}`).digest()
      : randomBytes(32);
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  sign(session: Session): string {
    const payload = `v1.${session.keyId}.${Math.floor(session.expiresAt / 1000)}`;
    return `${payload}.${this.mac(payload)}`;
  }

  verify(value: string | undefined, now = Date.now()): Session | null {
    if (!value) return null;
    const m = /^(v1\.(\d{1,15})\.(\d{1,12}))\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return null;
    const expected = Buffer.from(this.mac(m[1]));
    const given = Buffer.from(m[4]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const expiresAt = Number(m[3]) * 1000;
    if (expiresAt <= now) return null;
    return { keyId: Number(m[2]), expiresAt };
  }
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, maxAgeMs: number, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/dashboards', 'HttpOnly', 'SameSite=Lax'];
  attrs.push(`Max-Age=${Math.floor(maxAgeMs / 1000)}`);
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}
