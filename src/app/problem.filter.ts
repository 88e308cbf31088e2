import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Problem, ProblemBody, titleFor } from './problem';

const PG_PROBLEMS: Record<string, { status: number; slug: string; detail: string }> = {
  '23505': { status: 409, slug: 'duplicate', detail: 'A record with the same unique value already exists.' },
  '23503': { status: 422, slug: 'reference', detail: 'A referenced record does not exist.' },
  '23514': { status: 422, slug: 'constraint', detail: 'A value breaks a rule of the record.' },
  '22P02': { status: 400, slug: 'validation', detail: 'A value has the wrong format.' },
  '22003': { status: 400, slug: 'validation', detail: 'A number is out of range.' },
  '22001': { status: 400, slug: 'validation', detail: 'A value is too long.' },
  '22021': {
    status: 400,
    slug: 'validation',
    detail: 'A text value contains a character PostgreSQL cannot store.',
  },
  '22P05': {
    status: 400,
    slug: 'validation',
    detail: 'A text value contains a character PostgreSQL cannot store.',
  },
};

/** Maps anything thrown to RFC 9457 problem+json; only genuinely unexpected errors become 500s. */
export function toProblem(err: any, instance?: string): ProblemBody {
  if (err instanceof Problem) return err.toBody(instance);
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const res = err.getResponse();
    const detail = typeof res === 'string' ? res : ((res as any)?.message ?? err.message);
    return new Problem(
      status,
      slugFor(status),
      Array.isArray(detail) ? detail.join('; ') : String(detail),
    ).toBody(instance);
  }
  const pg = typeof err?.code === 'string' ? PG_PROBLEMS[err.code] : undefined;
  if (pg) {
    const field = columnOf(err);
    return new Problem(
      pg.status,
      pg.slug,
      pg.detail,
      field ? [{ field, message: pg.detail, code: err.code }] : undefined,
    ).toBody(instance);
  }
  const status = typeof err?.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    return new Problem(status, slugFor(status), fastifyDetail(err)).toBody(instance);
  }
  return new Problem(500, 'internal', 'An unexpected error occurred; it has been logged.').toBody(instance);
}

function slugFor(status: number): string {
  return titleFor(status)
    .toLowerCase()
    .replace(/[^a-z]+/g, '-');
}

function fastifyDetail(err: any): string {
  switch (err?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The body is not valid JSON.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The body is larger than the configured limit.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send the body as application/json.';
    default:
      return err?.message ?? 'Bad request';
  }
}

/** Best-effort field name from a PostgreSQL error (unique key or check constraint). */
function columnOf(err: any): string | undefined {
  if (err.column) return err.column;
  const m = /Key \(([^)]+)\)=/.exec(err.detail ?? '');
  if (m) return m[1];
  const c = /^[a-z_]+?_([a-z_]+)_(check|fkey|unique)$/.exec(err.constraint ?? '');
  return c?.[1];
}

export function sendProblem(reply: FastifyReply, body: ProblemBody) {
  return reply.status(body.status).header('content-type', 'application/problem+json').send(body);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const body = toProblem(err, req?.url?.split('?')[0]);
    if (body.status >= 500) this.log.error({ err, url: req?.url, reqId: req?.id }, 'unhandled error');
    return sendProblem(reply, body);
  }
}
