import type { FastifyInstance } from 'fastify';

/** A response body that is already JSON text (e.g. built by PostgreSQL): sent without re-serialising. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Fastify's default serializer, except that RawJson bodies go out as they are. */
export function registerRawJson(fastify: FastifyInstance): void {
  fastify.setReplySerializer((payload) =>
    payload instanceof RawJson ? payload.text : JSON.stringify(payload),
  );
}
