import type { FastifyInstance } from 'fastify';

/** Paths whose exact request bytes a handler needs (webhook signatures are over the raw body). */
export const RAW_BODY_PATHS = ['/api/v1/webhooks/stripe'];

/**
 * Keeps the raw body of webhook requests on `request.rawBody` before Fastify parses the JSON:
 * a signature must be checked over the bytes the vendor signed, not a re-serialisation.
 */
export function captureRawBodies(fastify: FastifyInstance) {
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const path = request.url.split('?')[0];
    if (!RAW_BODY_PATHS.includes(path)) return payload;
    const chunks: Buffer[] = [];
    for await (const chunk of payload) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const raw = Buffer.concat(chunks);
    (request as unknown as { rawBody: string }).rawBody = raw.toString('utf8');
    const { Readable } = await import('node:stream');
    const stream = Readable.from([raw]) as unknown as typeof payload & { receivedEncodedLength?: number };
    stream.receivedEncodedLength = raw.length;
    return stream;
  });
}
