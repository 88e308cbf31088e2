import type { FastifyInstance } from 'fastify';
import { Problem } from './problem';
import { sendProblem } from './problem.filter';

/** Paths that take HTML form posts (public pages); everything else speaks JSON only. */
export const FORM_PATH_PREFIXES: string[] = ['/pay/'];

/** A body that is not JSON gets a 415 before any handler sees it. */
export function requireJsonBodies(fastify: FastifyInstance) {
  fastify.addHook('onRequest', async (req, reply) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method)) return;
    const length = Number(req.headers['content-length'] ?? 0);
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!length && !chunked) return;
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (/^application\/([a-z.+-]+\+)?json\b/.test(type)) return;
    if (
      type.startsWith('application/x-www-form-urlencoded') &&
      FORM_PATH_PREFIXES.some((p) => req.url.startsWith(p))
    ) {
      return;
    }
    return sendProblem(
      reply,
      new Problem(415, 'unsupported-media-type', 'Send the body as application/json.', [
        { field: 'Content-Type', message: `${type || '(none)'} is not accepted here` },
      ]).toBody(req.url.split('?')[0]),
    );
  });
}
