import { sendProblem, serveOpenApi } from '@app/runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createValidationPipe } from './request-validation.pipe';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The public HTTP contract: strict validation (whitelisted fields only, unknown fields refused, no type coercion),
 * RFC 9457 problem documents for every error including the ones Fastify raises before Nest (bad JSON, wrong media
 * type, body too large), and the OpenAPI document at `/docs-json` with Swagger UI at `/docs`.
 */
export function configureHttpApi(app: NestFastifyApplication): void {
  app.useGlobalPipes(createValidationPipe());
  // Bodies must be JSON: Fastify and Nest would otherwise parse text/plain and form bodies, turning a wrong media
  // type into confusing validation errors.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    if (!BODY_METHODS.has(request.method)) return;
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))) return;
    const length = Number(request.headers['content-length'] ?? 0);
    if (!type && length === 0 && !request.headers['transfer-encoding']) return; // no body at all: validation answers
    sendProblem(reply, {
      type: 'about:blank',
      title: 'Unsupported Media Type',
      status: 415,
      detail: `Send the request body as application/json${type ? `, not ${type}` : ''}.`,
      instance: request.url,
    });
    return reply;
  });

  serveOpenApi(app, {
    title: 'Orders API',
    description: 'Creates and reads orders; each order is decided asynchronously by the inventory and payment services. Every error is an RFC 9457 problem document.',
  });
}
