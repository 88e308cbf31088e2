import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeController, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { z } from 'zod';
import { Access, GRANTS, type Role } from '../app/auth/access';
import { ApiKeyService } from '../app/auth/api-key.service';
import { presentedKey } from '../app/auth/auth.guard';
import { jsonSchema, parseOrThrow } from '../app/crud/schema-kit';
import { Problem } from '../app/problem';
import { KNEX } from '../app/tokens';
import { DashboardsSessionRepository } from './dashboards-session.repository';
import { DASHBOARDS_CONFIG, DashboardsBuilder } from './dashboards.builder';
import type { DashboardsConfig } from './dashboards.config';
import { beingBuiltPage, loginPage, safeNext } from './dashboards.pages';
import { readCookie, SESSION_COOKIE, sessionCookie, SessionSigner } from './dashboards.session';
import { parseRange } from './dashboards.site';

const loginBody = z.strictObject({ key: z.string().trim().min(1).max(200) });

/** Dashboards read the same data as the reports API, so they need the same grant. */
const canSeeDashboards = (role: Role | 'system' | null | undefined) =>
  role === 'system' || (role != null && GRANTS[role].has('report'));

const ROLE_CACHE_MS = 5_000;

/**
 * The built Evidence site at /dashboards. Routes are `public` for the API guard because a browser
 * cannot send an API key header with page and asset loads; this controller checks access itself:
 * a signed session cookie from POST /dashboards/login, or an API key header (curl, tests), or
 * nothing when DASHBOARDS_AUTH=none.
 */
@ApiExcludeController()
@Controller('dashboards')
@Access('public')
export class DashboardsSiteController {
  private readonly signer: SessionSigner;
  private readonly sessions = new DashboardsSessionRepository();
  private readonly roles = new Map<number, { role: Role | null; until: number }>();

  constructor(
    @Inject(DASHBOARDS_CONFIG) private readonly config: DashboardsConfig,
    @Inject(KNEX) private readonly db: Knex,
    private readonly builder: DashboardsBuilder,
    private readonly keys: ApiKeyService,
  ) {
    this.signer = new SessionSigner(config.secretKey);
  }

  @Get('login')
  login(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const next = safeNext((req.query as Record<string, unknown>)?.next);
    void reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(loginPage(next));
  }

  /** Exchanges an API key for a session cookie (JSON body, so the key never sits in a URL). */
  @Post('login')
  @HttpCode(200)
  async signIn(
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { key } = parseOrThrow(loginBody, body ?? {});
    const actor = await this.keys.authenticate(key);
    if (!actor || actor.keyId === null)
      throw new Problem(401, 'unauthorized', 'The API key is unknown or revoked.');
    if (!canSeeDashboards(actor.role)) {
      throw new Problem(403, 'forbidden', `The role ${actor.role} may not read reports.`);
    }
    const expiresAt = Date.now() + this.config.sessionMs;
    const value = this.signer.sign({ keyId: actor.keyId, expiresAt });
    void reply.header('set-cookie', sessionCookie(value, this.config.sessionMs, req.protocol === 'https'));
    return { signed_in: true, role: actor.role, expires_at: new Date(expiresAt).toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    void reply.header('set-cookie', sessionCookie('', 0, req.protocol === 'https'));
  }

  @Get()
  async index(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await this.serve(req, reply, '');
  }

  @Get('*')
  async file(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const path = req.url.split('?')[0].replace(/^\/dashboards\/?/, '');
    await this.serve(req, reply, path);
  }

  private async roleOf(keyId: number): Promise<Role | null> {
    const hit = this.roles.get(keyId);
    if (hit && hit.until > Date.now()) return hit.role;
    const role = await this.sessions.activeRole(this.db, keyId);
    if (this.roles.size > 1000) this.roles.clear();
    this.roles.set(keyId, { role, until: Date.now() + ROLE_CACHE_MS });
    return role;
  }

  /** 'ok', or what to answer instead: sign in (no credentials) or 403/401 (wrong ones). */
  private async access(req: FastifyRequest): Promise<'ok' | 'login' | Problem> {
    if (this.config.auth === 'none') return 'ok';
    const key = presentedKey(req);
    if (key) {
      const actor = await this.keys.authenticate(key);
      if (!actor) return new Problem(401, 'unauthorized', 'The API key is unknown or revoked.');
      return canSeeDashboards(actor.role)
        ? 'ok'
        : new Problem(403, 'forbidden', `The role ${actor.role} may not read reports.`);
    }
    const session = this.signer.verify(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session && canSeeDashboards(await this.roleOf(session.keyId))) return 'ok';
    return 'login';
  }

  private async serve(req: FastifyRequest, reply: FastifyReply, path: string) {
    const access = await this.access(req);
    if (access instanceof Problem) throw access;
    if (access === 'login') {
      const next = safeNext(req.url);
      void reply.redirect(`/dashboards/login?next=${encodeURIComponent(next)}`, 303);
      return;
    }
    if (!this.builder.site.root()) {
      const s = this.builder.status();
      void reply
        .code(503)
        .header('retry-after', '15')
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(
          beingBuiltPage({
            building: s.building !== null,
            warehouse: s.warehouse_present,
            lastError: s.last_build?.ok === false ? s.last_build.error : undefined,
          }),
        );
      return;
    }
    const file = this.builder.site.find(path);
    if (!file) {
      void reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Not found</title><h1>Not found</h1>');
      return;
    }
    void reply
      .header('content-type', file.contentType)
      .header('etag', file.etag)
      .header('last-modified', file.stat.mtime.toUTCString())
      .header('accept-ranges', 'bytes')
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'private, no-cache');
    if (req.headers['if-none-match'] === file.etag) {
      void reply.code(304).send();
      return;
    }
    const range = parseRange(req.headers.range, file.stat.size);
    if (range === 'invalid') {
      void reply.code(416).header('content-range', `bytes */${file.stat.size}`).send();
      return;
    }
    if (range) {
      void reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${file.stat.size}`)
        .header('content-length', range.end - range.start + 1)
        .send(this.builder.site.stream(file, range));
      return;
    }
    void reply.header('content-length', file.stat.size).send(this.builder.site.stream(file));
  }
}

/** Build status and a manual rebuild, for operators and scripts. */
@ApiTags('dashboards')
@ApiSecurity('apiKey')
@Controller('api/v1/dashboards')
export class DashboardsApiController {
  constructor(private readonly builder: DashboardsBuilder) {}

  @Get('status')
  @Access('report')
  status() {
    return this.builder.status();
  }

  /** Starts a build in the background (202); GET status follows it. */
  @Post('rebuild')
  @Access('write')
  @HttpCode(202)
  @ApiBody({ required: false, schema: jsonSchema(z.object({})) })
  rebuild() {
    const s = this.builder.status();
    if (s.building) throw Problem.conflict('A dashboards build is already running.');
    if (!s.warehouse_present) {
      throw Problem.conflict('The warehouse has not been built yet: POST /api/v1/warehouse/refresh first.');
    }
    void this.builder.rebuild('requested');
    return { started: true, status: '/api/v1/dashboards/status' };
  }
}
