import { RESOURCES } from '../../crm/crm.module';
import { Problem } from '../problem';
import type { IndexDef } from './filter.types';
import { indexOf } from './index-def';

/**
 * Objects that saved views and lists may target, by singular name. Built from the explicit
 * resource list; a module adding a resource with an index endpoint appears here through it.
 */
export function indexedObjects(): Map<string, IndexDef> {
  return new Map(RESOURCES.map((r) => [r.object, indexOf(r)]));
}

export function indexFor(object: unknown, param = 'object', allowed?: string[]): IndexDef {
  const all = indexedObjects();
  const names = allowed ?? [...all.keys()];
  const def = typeof object === 'string' && names.includes(object) ? all.get(object) : undefined;
  if (!def) throw Problem.validation([{ field: param, message: `must be one of ${names.join(', ')}` }]);
  return def;
}
