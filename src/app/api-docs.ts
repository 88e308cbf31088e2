import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ledgerline API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/api/docs.json', dom_id: '#swagger-ui' });</script>
</body></html>`;

/**
 * OpenAPI 3 at /api/docs.json (+ .yaml) from the same zod schemas the handlers validate with, and
 * Swagger UI at /api/docs. The UI assets are served here (not by SwaggerModule) because its
 * lazy ESM import of @fastify/static does not load under jest.
 */
export function mountApiDocs(app: NestFastifyApplication) {
  const config = new DocumentBuilder()
    .setTitle('Ledgerline API')
    .setDescription(
      'Commerce hub with accounting sync and a revenue warehouse. Errors are RFC 9457 problem+json; ' +
        'POSTs accept Idempotency-Key; authenticate with "Authorization: Bearer <key>".',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'Bearer <key>' }, 'apiKey')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), {
    ui: false,
    jsonDocumentUrl: 'api/docs.json',
    yamlDocumentUrl: 'api/docs.yaml',
  });
  const fastify = app.getHttpAdapter().getInstance();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const assets = (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void fastify.register(require('@fastify/static'), { root: assets, prefix: '/api/docs/', index: false });
  fastify.get('/api/docs', (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}
