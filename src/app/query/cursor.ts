import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Problem } from '../problem';

/** Position after the last row of a page: which pass (non-null sort values, then NULLs), value, id. */
export interface CursorPosition {
  seg: 'v' | 'n';
  value: string | null;
  id: number;
}

const bad = () => Problem.validation([{ field: 'cursor', message: 'is not a cursor issued for this query' }]);

/**
 * Opaque keyset cursors: base64url(JSON) + HMAC over the payload and a hash of the query (object,
 * filter, sort, archived, view). A tampered cursor, or one replayed against another query, fails
 * the MAC and is a 400 — never a silently wrong page.
 */
export class CursorCodec {
  constructor(private readonly secret: string) {}

  static queryHash(parts: unknown): string {
    return createHash('sha256').update(stableJson(parts)).digest('base64url').slice(0, 22);
  }

  private mac(payload: string, queryHash: string): Buffer {
    return createHmac('sha256', this.secret).update(`${queryHash}.${payload}`).digest().subarray(0, 16);
  }

  encode(queryHash: string, pos: CursorPosition): string {
    const payload = Buffer.from(JSON.stringify([pos.seg, pos.value, pos.id])).toString('base64url');
    return `${payload}.${this.mac(payload, queryHash).toString('base64url')}`;
  }

  decode(cursor: string, queryHash: string): CursorPosition {
    const [payload, sig, extra] = cursor.split('.');
    if (!payload || !sig || extra !== undefined || cursor.length > 2000) throw bad();
    const given = Buffer.from(sig, 'base64url');
    const want = this.mac(payload, queryHash);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw bad();
    try {
      const [seg, value, id] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (
        (seg === 'v' || seg === 'n') &&
        (value === null || typeof value === 'string') &&
        Number.isSafeInteger(id)
      )
        return { seg, value, id };
    } catch {
      // fall through: a valid MAC over garbage cannot happen unless the secret leaked
    }
    throw bad();
  }
}

export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`)
    .join(',')}}`;
}
