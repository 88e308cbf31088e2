/** Shared shapes of the sync engine's rows and results. */
export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

export interface ConnectionRow {
  id: number;
  version: number;
  name: string;
  vendor: string;
  status: 'active' | 'paused' | 'error';
  settings: Record<string, unknown>;
  credentials_enc: string | null;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export interface LinkRow {
  id: number;
  connection_id: number;
  object: string;
  local_id: number;
  external_id: string | null;
  external_version: string | null;
  content_hash: string | null;
  local_version: number | null;
  state: 'pending' | 'linked';
  pending_key: string | null;
  pending_payload: Record<string, unknown> | null;
}

export interface DeliveryRow {
  id: number;
  connection_id: number;
  object: string;
  object_id: number;
  version: number;
  op: string;
  state: 'pending' | 'leased' | 'done' | 'failed' | 'dead';
  run_id: number | null;
  attempts: number;
  outcome: Outcome | null;
}

export interface RunRow {
  id: number;
  connection_id: number;
  object: string | null;
  kind: 'push' | 'pull' | 'incremental';
  trigger: 'api' | 'schedule' | 'outbox';
  plan: boolean;
  status: 'running' | 'succeeded' | 'partial' | 'failed';
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  items: unknown;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

/** Canonical objects the engine can push, and where their rows live. */
export const SYNC_OBJECTS: Record<string, { table: string }> = {
  contact: { table: 'contacts' },
  company: { table: 'companies' },
};

/** Test seam: lets a fault test stop (or kill) a worker at each step of the push window. */
export type PushStage = 'pending-committed' | 'vendor-call' | 'vendor-returned' | 'linked';
export interface SyncHooks {
  at(stage: PushStage, info: { object: string; localId: number }): Promise<void>;
}
