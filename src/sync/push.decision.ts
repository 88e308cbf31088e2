import type { Mapping } from '../../mappings';
import type { FieldError } from '../app/problem';
import { contentHash } from './hash';
import { applyMapping } from './mapper';
import type { LinkRow } from './sync.types';

export type PushAction = 'create' | 'heal' | 'update' | 'archive' | 'unchanged' | 'skip' | 'invalid';

export interface PushDecision {
  action: PushAction;
  payload: Record<string, unknown>;
  hash: string;
  errors: FieldError[];
  reason?: string;
}

/**
 * What pushing one record would do, without doing it. Shared by the worker and by plans (dry
 * runs), so a plan lists exactly what a run would write. Pure.
 */
export function decidePush(
  mapping: Mapping,
  record: Record<string, unknown> | undefined,
  link: LinkRow | undefined,
): PushDecision {
  if (!record)
    return { action: 'skip', payload: {}, hash: '', errors: [], reason: 'the record no longer exists' };
  const { payload, errors } = applyMapping(mapping, record);
  const hash = contentHash(payload);
  if (errors.length) return { action: 'invalid', payload, hash, errors };
  const archived = record.archived_at !== null && record.archived_at !== undefined;
  if (!link) {
    // An archived record that never reached the vendor stays there: nothing to create or archive.
    if (archived) return { action: 'skip', payload, hash, errors, reason: 'archived and never pushed' };
    return { action: 'create', payload, hash, errors };
  }
  if (link.state === 'pending') return { action: 'heal', payload, hash, errors };
  if (link.content_hash === hash) return { action: 'unchanged', payload, hash, errors };
  return { action: archived ? 'archive' : 'update', payload, hash, errors };
}
