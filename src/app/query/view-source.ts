import type { Actor } from '../auth/access';

/** What a saved view contributes to an index query. */
export interface AppliedView {
  id: number;
  filter: Record<string, unknown>;
  sort: string | null;
  columns: string[] | null;
}

/**
 * Saved views live in src/crm; the index endpoint only needs to look one up. The saved-view module
 * provides this under VIEW_SOURCE (`view=ID` or `view=default` for the caller's default view).
 */
export interface ViewSource {
  resolve(object: string, view: string, actor: Actor): Promise<AppliedView>;
}

export const VIEW_SOURCE = Symbol('VIEW_SOURCE');
export const INDEX_QUERY = Symbol('INDEX_QUERY');
