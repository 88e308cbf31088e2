import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Problem } from '../problem';
import { ACCESS_KEY, AccessLevel, Actor, GRANTS, Role } from './access';
import { ApiKeyService } from './api-key.service';

export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/** Fails closed: a route without an access level is refused for everyone. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (level === 'public') return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    const key = presentedKey(req);
    if (!key) {
      throw new Problem(401, 'unauthorized', 'Send an API key as "Authorization: Bearer <key>".');
    }
    const actor = await this.keys.authenticate(key);
    if (!actor) throw new Problem(401, 'unauthorized', 'The API key is unknown or revoked.');
    if (!level) throw new Problem(403, 'forbidden', 'This route has no access policy.');
    if (!GRANTS[actor.role as Role].has(level)) {
      throw new Problem(403, 'forbidden', `The role ${actor.role} may not perform ${level} operations.`);
    }
    req.actor = actor;
    return true;
  }
}
