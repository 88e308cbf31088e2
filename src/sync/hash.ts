import { createHash } from 'node:crypto';

/** JSON with sorted keys, so equal payloads always hash equally. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

export function contentHash(payload: unknown): string {
  return createHash('sha256').update(stableJson(payload)).digest('hex');
}

/**
 * Deterministic idempotency key for a push: the same (connection, object, local id, version, op)
 * always gives the same key, so a retry or a restarted worker replays rather than duplicates.
 */
export function idempotencyKey(parts: {
  connectionId: number;
  object: string;
  localId: number;
  version: number;
  op: string;
}): string {
  const digest = createHash('sha256')
    .update(`${parts.connectionId}|${parts.object}|${parts.localId}|${parts.version}|${parts.op}`)
    .digest('hex')
    .slice(0, 32);
  return `ll-${parts.connectionId}-${parts.object}-${parts.localId}-v${parts.version}-${parts.op}-${digest}`;
}
