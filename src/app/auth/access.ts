import { SetMetadata } from '@nestjs/common';

export const ROLES = ['admin', 'finance', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs. `public` routes take no key; all others fail closed without a level. */
export type AccessLevel = 'public' | 'read' | 'write' | 'report' | 'admin';

export const GRANTS: Record<Role, ReadonlySet<AccessLevel>> = {
  admin: new Set(['read', 'write', 'report', 'admin']),
  finance: new Set(['read', 'write', 'report']),
  analyst: new Set(['read', 'report']),
  viewer: new Set(['read']),
};

export const ACCESS_KEY = 'ledgerline:access';
export const Access = (level: AccessLevel) => SetMetadata(ACCESS_KEY, level);

export interface Actor {
  keyId: number | null;
  role: Role | 'system';
  name: string;
}

export const SYSTEM_ACTOR: Actor = { keyId: null, role: 'system', name: 'system' };
