import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { presentedKey } from './auth/auth.guard';
import { hashKey } from './auth/api-key.service';
import { Problem } from './problem';
import { sendProblem } from './problem.filter';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const IN_PROGRESS_TIMEOUT_MS = 120 * 1000;
/** Responses that say nothing about the request itself are not remembered. */
const NOT_STORED = new Set([401, 403, 409, 429]);

interface Claim {
  scope: string;
  key: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: Claim;
  }
}

function requestHash(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
}

/**
 * `Idempotency-Key` on POST: the first response (2xx or 4xx) is stored for 24 h and replayed;
 * the same key with another body is a 409; a key whose first request is still running is a 409.
 * Keys are scoped to the API key that sent them.
 */
export function registerIdempotency(fastify: FastifyInstance, db: Knex) {
  fastify.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers['idempotency-key'];
    if (req.method !== 'POST' || header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > 255) {
      return sendProblem(
        reply,
        Problem.validation([{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }]).toBody(),
      );
    }
    const presented = presentedKey(req);
    const scope = presented ? hashKey(presented) : 'anonymous';
    const hash = requestHash(req);
    const expired = new Date(Date.now() - IDEMPOTENCY_TTL_MS);
    const abandoned = new Date(Date.now() - IN_PROGRESS_TIMEOUT_MS);
    // Expired keys, and claims whose request died without answering, are free again.
    await db('idempotency_keys')
      .where({ scope, key })
      .andWhere((q) => {
        void q.where('created_at', '<', expired).orWhere((s) => {
          void s.where({ state: 'in_progress' }).andWhere('created_at', '<', abandoned);
        });
      })
      .delete();
    const inserted = await db('idempotency_keys')
      .insert({ scope, key, request_hash: hash })
      .onConflict(['scope', 'key'])
      .ignore()
      .returning('key');
    if (inserted.length) {
      req.idempotency = { scope, key };
      return;
    }
    const prior = await db('idempotency_keys').where({ scope, key }).first();
    if (!prior || prior.request_hash !== hash) {
      return sendProblem(
        reply,
        new Problem(409, 'idempotency-key-reused', 'This Idempotency-Key was used with another request.', [
          { field: 'Idempotency-Key', message: 'already used with a different method, path or body' },
        ]).toBody(),
      );
    }
    if (prior.state !== 'done') {
      void reply.header('retry-after', '1');
      return sendProblem(
        reply,
        new Problem(
          409,
          'idempotency-key-in-use',
          'The first request with this Idempotency-Key is still running.',
        ).toBody(),
      );
    }
    return reply
      .status(prior.response_status)
      .header('content-type', prior.response_type ?? 'application/json; charset=utf-8')
      .header('idempotent-replayed', 'true')
      .send(prior.response_body);
  });

  fastify.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claim = req.idempotency;
    if (!claim) return payload;
    req.idempotency = undefined;
    const status = reply.statusCode;
    const where = { scope: claim.scope, key: claim.key };
    if (
      status >= 500 ||
      NOT_STORED.has(status) ||
      (typeof payload !== 'string' && !Buffer.isBuffer(payload))
    ) {
      await db('idempotency_keys').where(where).delete();
    } else {
      await db('idempotency_keys')
        .where(where)
        .update({
          state: 'done',
          response_status: status,
          response_body: payload.toString(),
          response_type: String(reply.getHeader('content-type') ?? ''),
        });
    }
    return payload;
  });
}

export async function purgeIdempotencyKeys(db: Knex): Promise<number> {
  return db('idempotency_keys')
    .where('created_at', '<', new Date(Date.now() - IDEMPOTENCY_TTL_MS))
    .delete();
}
