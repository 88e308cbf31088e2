import type { Db } from '../app/database';
import type { Role } from '../app/auth/access';

/** The one query sessions need: is the API key behind a session still active, and its role. */
export class DashboardsSessionRepository {
  async activeRole(db: Db, keyId: number): Promise<Role | null> {
    const row = await db('api_keys').select('role').where({ id: keyId }).whereNull('archived_at').first();
    return (row?.role as Role | undefined) ?? null;
  }
}
