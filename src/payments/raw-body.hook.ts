import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/** Paths whose exact request bytes a handler needs (webhook signatures are over the raw body). */
export const RAW_BODY_PATHS = ['/api/v1/webhooks/stripe'];

const isRawBodyPath = (url: string) => {
  const q = url.indexOf('?');
  return RAW_BODY_PATHS.includes(q < 0 ? url : url.slice(0, q));
};

/**
 * Keeps the raw body of webhook requests on `request.rawBody` before Fastify parses the JSON:
 * a signature must be checked over the bytes the vendor signed, not a re-serialisation.
 * The hook runs on every request, so other paths pass straight through (callback form: no
 * promise per request).
 */
export function captureRawBodies(fastify: FastifyInstance) {
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (!isRawBodyPath(request.url)) return done(null, payload);
    const chunks: Buffer[] = [];
    payload.on('data', (chunk: Buffer | string) =>
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)),
    );
    payload.once('error', (err) => done(err));
    payload.once('end', () => {
      const raw = Buffer.concat(chunks);
      (request as unknown as { rawBody: string }).rawBody = raw.toString('utf8');
      const stream = Readable.from([raw]) as unknown as typeof payload & { receivedEncodedLength?: number };
      stream.receivedEncodedLength = raw.length;
      done(null, stream);
    });
  });
}
